using Portal.Core.Payments;

namespace Portal.Core.Adapters.Embedded;

/// <summary>Processed webhook event ids in SQLite: the primary key decides the first delivery; expired rows are pruned on write.</summary>
internal sealed class SqliteProcessedWebhookEvents : IProcessedWebhookEvents
{
    private readonly SqliteDatabase _db;
    private readonly TimeProvider _clock;

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS processed_webhook_events (
            source      TEXT    NOT NULL,
            event_id    TEXT    NOT NULL,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (source, event_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_processed_webhook_events_recorded ON processed_webhook_events(recorded_at);
        """;

    public SqliteProcessedWebhookEvents(SqliteDatabase db, TimeProvider clock)
    {
        _db = db;
        _clock = clock;
    }

    public async Task<bool> ContainsAsync(string source, string eventId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT 1 FROM processed_webhook_events WHERE source = $source AND event_id = $event AND recorded_at >= $cutoff";
        select.With("$source", source).With("$event", eventId).With("$cutoff", (_clock.GetUtcNow() - IProcessedWebhookEvents.Retention).ToUnixTimeMilliseconds());
        return await select.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task<bool> TryRecordAsync(string source, string eventId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var now = _clock.GetUtcNow();
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using (var prune = connection.CreateCommand())
        {
            prune.CommandText = "DELETE FROM processed_webhook_events WHERE recorded_at < $cutoff";
            prune.With("$cutoff", (now - IProcessedWebhookEvents.Retention).ToUnixTimeMilliseconds());
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO processed_webhook_events (source, event_id, recorded_at) VALUES ($source, $event, $at)
            ON CONFLICT (source, event_id) DO NOTHING
            """;
        insert.With("$source", source).With("$event", eventId).With("$at", now.ToUnixTimeMilliseconds());
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
