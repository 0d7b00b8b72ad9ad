using Microsoft.Data.Sqlite;
using Portal.Core.Disputes;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Disputes in portal.db. The unique index on (processor, processor_dispute_id) decides the first create of a processor's
/// dispute; updates are conditional on the version. Times are UTC ticks. Disputes are not a hot write path (a handful per
/// merchant per month), so writes go straight to the database rather than through the group-commit writer.
/// </summary>
internal sealed class SqliteDisputeStore(SqliteDatabase db) : IDisputeStore
{
    private const string Columns = "id, processor, processor_dispute_id, payment_id, merchant_id, reason, amount, currency, due_by, status, evidence_state, "
        + "evidence, files, created_at, updated_at, last_event_at, updated_by, submitted_at, reminder_sent_at, version, pending_events";

    /// <summary>This store's tables (a step of <see cref="EmbeddedSchemas.Portal"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS disputes (
            id                   TEXT    PRIMARY KEY,
            processor            TEXT    NOT NULL,
            processor_dispute_id TEXT    NOT NULL,
            payment_id           TEXT    NOT NULL,
            merchant_id          TEXT    NOT NULL,
            reason               TEXT    NOT NULL,
            amount               INTEGER NOT NULL,
            currency             TEXT    NOT NULL,
            due_by               INTEGER NOT NULL,
            status               TEXT    NOT NULL,
            evidence_state       TEXT    NOT NULL,
            evidence             TEXT    NOT NULL,
            files                TEXT    NOT NULL,
            created_at           INTEGER NOT NULL,
            updated_at           INTEGER NOT NULL,
            last_event_at        INTEGER NOT NULL,
            updated_by           TEXT    NOT NULL,
            submitted_at         INTEGER,
            reminder_sent_at     INTEGER,
            version              INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_disputes_processor ON disputes(processor, processor_dispute_id);
        CREATE INDEX IF NOT EXISTS ix_disputes_created ON disputes(created_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS ix_disputes_merchant_created ON disputes(merchant_id, created_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS ix_disputes_status_due ON disputes(status, due_by);
        """;

    /// <summary>
    /// The webhook events a dispute owes (<see cref="Dispute.PendingEvents"/>, JSON) and the time of the oldest, indexed only
    /// where something is owed so the sweep reads just those rows.
    /// </summary>
    internal const string PendingEventsSchema = """
        ALTER TABLE disputes ADD COLUMN pending_events TEXT;
        ALTER TABLE disputes ADD COLUMN pending_since INTEGER;
        CREATE INDEX IF NOT EXISTS ix_disputes_pending ON disputes(pending_since) WHERE pending_since IS NOT NULL;
        """;

    public async Task<DisputeWriteOutcome> CreateAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO disputes ({Columns}, pending_since) VALUES ($id, $processor, $pdid, $payment, $merchant, $reason, $amount, $currency, $due, $status, $evidence_state,
                $evidence, $files, $created, $updated, $last_event, $by, $submitted, $reminder, $version, $pending, $pending_since)
            ON CONFLICT DO NOTHING
            """;
        Bind(command, dispute);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? DisputeWriteOutcome.Done : DisputeWriteOutcome.Duplicate;
    }

    public async Task<DisputeWriteOutcome> UpdateAsync(Dispute dispute, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE disputes SET reason = $reason, amount = $amount, currency = $currency, due_by = $due, status = $status, evidence_state = $evidence_state,
                evidence = $evidence, files = $files, updated_at = $updated, last_event_at = $last_event, updated_by = $by, submitted_at = $submitted,
                reminder_sent_at = $reminder, version = $version, pending_events = $pending, pending_since = $pending_since
            WHERE id = $id AND version = $expected
            """;
        Bind(command, dispute);
        command.With("$expected", expectedVersion);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return DisputeWriteOutcome.Done;
        }

        return await GetAsync(dispute.Id, cancellationToken) is null ? DisputeWriteOutcome.NotFound : DisputeWriteOutcome.VersionConflict;
    }

    public async Task<Dispute?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM disputes WHERE id = $id", c => c.With("$id", id.ToString()), cancellationToken)).FirstOrDefault();

    public async Task<Dispute?> GetByProcessorIdAsync(string processor, string processorDisputeId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM disputes WHERE processor = $p AND processor_dispute_id = $d",
            c => c.With("$p", processor).With("$d", processorDisputeId), cancellationToken)).FirstOrDefault();

    public async Task<DisputePage> ListAsync(DisputeListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        if (query.MerchantId is not null)
        {
            where.Add("merchant_id = $merchant");
        }

        if (query.Status is not null)
        {
            where.Add("status = $status");
        }

        if (query.After is not null)
        {
            where.Add("(created_at < $after_at OR (created_at = $after_at AND id < $after_id))");
        }

        var sql = $"SELECT {Columns} FROM disputes {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at DESC, id DESC LIMIT $limit";
        var items = await QueryAsync(sql, c =>
        {
            c.With("$merchant", query.MerchantId?.ToString()).With("$status", query.Status?.ToString()).With("$limit", query.Limit + 1);
            c.With("$after_at", query.After?.CreatedAt.UtcTicks).With("$after_id", query.After?.Id.ToString());
        }, cancellationToken);
        if (items.Count <= query.Limit)
        {
            return new DisputePage(items, null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new DisputePage(items, new DisputeKeyset(last.CreatedAt, last.Id));
    }

    public async Task<IReadOnlyList<Dispute>> AwaitingResponseDueBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Columns} FROM disputes WHERE status = $status AND due_by < $before ORDER BY due_by, id LIMIT $limit",
            c => c.With("$status", nameof(DisputeStatus.NeedsResponse)).With("$before", before.UtcTicks).With("$limit", Math.Clamp(limit, 1, 1000)), cancellationToken);

    public async Task<IReadOnlyList<Dispute>> OwingEventsSinceBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Columns} FROM disputes WHERE pending_since IS NOT NULL AND pending_since < $before ORDER BY pending_since LIMIT $limit",
            c => c.With("$before", before.UtcTicks).With("$limit", Math.Clamp(limit, 1, 1000)), cancellationToken);

    public async Task<long> CountOpenedSinceAsync(Guid merchantId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM disputes WHERE merchant_id = $merchant AND created_at >= $since";
        command.With("$merchant", merchantId.ToString()).With("$since", since.UtcTicks);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<Dispute>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<Dispute>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    private static void Bind(SqliteCommand c, Dispute d) =>
        c.With("$id", d.Id.ToString()).With("$processor", d.Processor).With("$pdid", d.ProcessorDisputeId).With("$payment", d.PaymentId.ToString())
            .With("$merchant", d.MerchantId.ToString()).With("$reason", d.Reason).With("$amount", d.Amount.Minor).With("$currency", d.Amount.Currency)
            .With("$due", d.EvidenceDueBy.UtcTicks).With("$status", d.Status.ToString()).With("$evidence_state", d.EvidenceState.ToString())
            .With("$evidence", DisputeJson.Evidence(d.Evidence)).With("$files", DisputeJson.Files(d.Files)).With("$created", d.CreatedAt.UtcTicks)
            .With("$updated", d.UpdatedAt.UtcTicks).With("$last_event", d.LastEventAt.UtcTicks).With("$by", d.UpdatedBy)
            .With("$submitted", d.SubmittedAt?.UtcTicks).With("$reminder", d.ReminderSentAt?.UtcTicks).With("$version", d.Version)
            .With("$pending", DisputeJson.PendingEvents(d.PendingEvents)).With("$pending_since", d.PendingEvents.Count == 0 ? null : d.PendingEvents.Min(e => e.At).UtcTicks);

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private static Dispute Read(SqliteDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        r.GetString(1),
        r.GetString(2),
        Guid.Parse(r.GetString(3)),
        Guid.Parse(r.GetString(4)),
        r.GetString(5),
        new Money(r.GetInt64(6), r.GetString(7)),
        Time(r.GetInt64(8)),
        Enum.Parse<DisputeStatus>(r.GetString(9)),
        Enum.Parse<EvidenceState>(r.GetString(10)),
        DisputeJson.Evidence(r.GetString(11)),
        DisputeJson.Files(r.GetString(12)),
        Time(r.GetInt64(13)),
        Time(r.GetInt64(14)),
        Time(r.GetInt64(15)),
        r.GetString(16),
        r.GetInt64OrNull(17) is { } submitted ? Time(submitted) : null,
        r.GetInt64OrNull(18) is { } reminder ? Time(reminder) : null,
        r.GetInt64(19)) { PendingEvents = DisputeJson.PendingEvents(r.IsDBNull(20) ? null : r.GetString(20)) };
}
