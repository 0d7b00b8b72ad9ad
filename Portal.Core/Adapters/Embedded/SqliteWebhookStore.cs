using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.Core.Webhooks;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Webhook endpoints, deliveries and attempts in the "portal" database. Deliveries are unique per (event, endpoint);
/// a partial index over pending deliveries by next attempt serves the worker's due query.
/// </summary>
internal sealed class SqliteWebhookStore : IWebhookStore
{
    private const string EndpointColumns = "id, merchant_id, url, description, enabled_events, enabled, created_at, updated_at";
    private const string DeliveryColumns =
        "id, merchant_id, endpoint_id, event_id, event_type, payload, status, attempt_count, next_attempt_at, last_attempt_at, last_status_code, last_error, created_at, trace_id";
    private const string AttemptColumns = "id, delivery_id, number, attempted_at, status_code, error, duration_ms, response_snippet, manual";

    private readonly SqliteDatabase _db;

    /// <summary>portal.db step 7 (issue 19): the trace id each delivery sends as a header.</summary>
    internal const string DeliveryTraceId = "ALTER TABLE webhook_deliveries ADD COLUMN trace_id TEXT;";

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS webhook_endpoints (
            id             TEXT PRIMARY KEY,
            merchant_id    TEXT    NOT NULL,
            url            TEXT    NOT NULL,
            description    TEXT,
            enabled_events TEXT    NOT NULL,
            enabled        INTEGER NOT NULL,
            secret         BLOB    NOT NULL,
            created_at     INTEGER NOT NULL,
            updated_at     INTEGER NOT NULL,
            deleted_at     INTEGER
        );
        CREATE INDEX IF NOT EXISTS ix_webhook_endpoints_merchant ON webhook_endpoints(merchant_id, created_at DESC);
        CREATE TABLE IF NOT EXISTS webhook_deliveries (
            id               TEXT PRIMARY KEY,
            merchant_id      TEXT    NOT NULL,
            endpoint_id      TEXT    NOT NULL REFERENCES webhook_endpoints(id),
            event_id         TEXT    NOT NULL,
            event_type       TEXT    NOT NULL,
            payload          TEXT    NOT NULL,
            status           TEXT    NOT NULL,
            attempt_count    INTEGER NOT NULL,
            next_attempt_at  INTEGER,
            last_attempt_at  INTEGER,
            last_status_code INTEGER,
            last_error       TEXT,
            created_at       INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_webhook_deliveries_event_endpoint ON webhook_deliveries(event_id, endpoint_id);
        CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
        CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_merchant ON webhook_deliveries(merchant_id, id DESC);
        CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id DESC);
        CREATE TABLE IF NOT EXISTS webhook_attempts (
            id               TEXT PRIMARY KEY,
            delivery_id      TEXT    NOT NULL REFERENCES webhook_deliveries(id),
            number           INTEGER NOT NULL,
            attempted_at     INTEGER NOT NULL,
            status_code      INTEGER,
            error            TEXT,
            duration_ms      INTEGER NOT NULL,
            response_snippet TEXT,
            manual           INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_webhook_attempts_delivery ON webhook_attempts(delivery_id, number);
        """;

    public SqliteWebhookStore(SqliteDatabase db)
    {
        _db = db;
    }

    public async Task AddEndpointAsync(WebhookEndpoint endpoint, byte[] sealedSecret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO webhook_endpoints ({EndpointColumns}, secret) VALUES ($id, $merchant, $url, $description, $events, $enabled, $created, $updated, $secret)";
        command.With("$id", endpoint.Id.ToString()).With("$merchant", endpoint.MerchantId.ToString()).With("$url", endpoint.Url).With("$description", endpoint.Description)
            .With("$events", JsonSerializer.Serialize(endpoint.EnabledEvents)).With("$enabled", endpoint.Enabled ? 1 : 0)
            .With("$created", Ms(endpoint.CreatedAt)).With("$updated", Ms(endpoint.UpdatedAt)).With("$secret", sealedSecret);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(Guid merchantId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE merchant_id = $merchant AND deleted_at IS NULL ORDER BY created_at DESC, id DESC";
        command.With("$merchant", merchantId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var endpoints = new List<WebhookEndpoint>();
        while (await reader.ReadAsync(cancellationToken))
        {
            endpoints.Add(ReadEndpoint(reader));
        }

        return endpoints;
    }

    public async Task<WebhookEndpoint?> GetEndpointAsync(Guid merchantId, Guid endpointId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = $id AND merchant_id = $merchant AND deleted_at IS NULL";
        command.With("$id", endpointId.ToString()).With("$merchant", merchantId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadEndpoint(reader) : null;
    }

    public async Task<StoredWebhookEndpoint?> GetEndpointForSendingAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EndpointColumns}, secret, deleted_at FROM webhook_endpoints WHERE id = $id";
        command.With("$id", endpointId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredWebhookEndpoint(ReadEndpoint(reader), (byte[])reader.GetValue(8), !reader.IsDBNull(9)) : null;
    }

    public async Task<bool> UpdateEndpointAsync(Guid merchantId, Guid endpointId, bool enabled, string? description, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE webhook_endpoints SET enabled = $enabled, description = $description, updated_at = $at WHERE id = $id AND merchant_id = $merchant AND deleted_at IS NULL";
        command.With("$enabled", enabled ? 1 : 0).With("$description", description).With("$at", Ms(at)).With("$id", endpointId.ToString()).With("$merchant", merchantId.ToString());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> SetSecretAsync(Guid merchantId, Guid endpointId, byte[] sealedSecret, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE webhook_endpoints SET secret = $secret, updated_at = $at WHERE id = $id AND merchant_id = $merchant AND deleted_at IS NULL";
        command.With("$secret", sealedSecret).With("$at", Ms(at)).With("$id", endpointId.ToString()).With("$merchant", merchantId.ToString());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> DeleteEndpointAsync(Guid merchantId, Guid endpointId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE webhook_endpoints SET deleted_at = $at, enabled = 0, updated_at = $at WHERE id = $id AND merchant_id = $merchant AND deleted_at IS NULL";
        command.With("$at", Ms(at)).With("$id", endpointId.ToString()).With("$merchant", merchantId.ToString());
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false;
        }

        command.CommandText = "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'Endpoint deleted' WHERE endpoint_id = $id AND status = 'pending'";
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<int> AddDeliveriesAsync(IReadOnlyCollection<WebhookDelivery> deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // ON CONFLICT on the (event, endpoint) index only: any other constraint failure still throws.
        command.CommandText = $"""
            INSERT INTO webhook_deliveries ({DeliveryColumns})
            VALUES ($id, $merchant, $endpoint, $event, $type, $payload, $status, $count, $next, $last, $code, $error, $created, $trace)
            ON CONFLICT(event_id, endpoint_id) DO NOTHING
            """;
        foreach (var name in new[] { "$id", "$merchant", "$endpoint", "$event", "$type", "$payload", "$status", "$count", "$next", "$last", "$code", "$error", "$created", "$trace" })
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        var inserted = 0;
        foreach (var d in deliveries)
        {
            object?[] values = [d.Id.ToString(), d.MerchantId.ToString(), d.EndpointId.ToString(), d.EventId.ToString(), d.EventType, d.Payload, Status(d.Status),
                d.AttemptCount, Ms(d.NextAttemptAt), Ms(d.LastAttemptAt), d.LastStatusCode, d.LastError, Ms(d.CreatedAt), d.TraceId];
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            inserted += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    public async Task<IReadOnlyList<WebhookDelivery>> DueDeliveriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $max";
        command.With("$now", Ms(now)).With("$max", max);
        return await ReadDeliveriesAsync(command, cancellationToken);
    }

    public async Task<bool> ClaimAsync(Guid deliveryId, DateTimeOffset expectedNextAttempt, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE webhook_deliveries SET next_attempt_at = $lease WHERE id = $id AND status = 'pending' AND next_attempt_at = $expected";
        command.With("$lease", Ms(leaseUntil)).With("$id", deliveryId.ToString()).With("$expected", Ms(expectedNextAttempt));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<WebhookAttempt> RecordAttemptAsync(WebhookAttempt attempt, WebhookDeliveryUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(update);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE webhook_deliveries
            SET attempt_count = attempt_count + 1, status = $status, next_attempt_at = $next, last_attempt_at = $at, last_status_code = $code, last_error = $error
            WHERE id = $id
            RETURNING attempt_count
            """;
        command.With("$status", Status(update.Status)).With("$next", Ms(update.NextAttemptAt)).With("$at", Ms(attempt.AttemptedAt))
            .With("$code", attempt.StatusCode).With("$error", attempt.Error).With("$id", attempt.DeliveryId.ToString());
        var number = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        var recorded = attempt with { Number = number };
        command.Parameters.Clear();
        command.CommandText = $"INSERT INTO webhook_attempts ({AttemptColumns}) VALUES ($id, $delivery, $number, $at, $code, $error, $duration, $snippet, $manual)";
        command.With("$id", recorded.Id.ToString()).With("$delivery", recorded.DeliveryId.ToString()).With("$number", recorded.Number).With("$at", Ms(recorded.AttemptedAt))
            .With("$code", recorded.StatusCode).With("$error", recorded.Error).With("$duration", recorded.DurationMs).With("$snippet", recorded.ResponseSnippet)
            .With("$manual", recorded.Manual ? 1 : 0);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return recorded;
    }

    public async Task CloseDeliveryAsync(Guid deliveryId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = $reason WHERE id = $id AND status = 'pending'";
        command.With("$reason", reason).With("$id", deliveryId.ToString());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<WebhookDelivery?> GetDeliveryAsync(Guid merchantId, Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = $id AND merchant_id = $merchant";
        command.With("$id", deliveryId.ToString()).With("$merchant", merchantId.ToString());
        var found = await ReadDeliveriesAsync(command, cancellationToken);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<IReadOnlyList<WebhookAttempt>> AttemptsAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AttemptColumns} FROM webhook_attempts WHERE delivery_id = $id ORDER BY number";
        command.With("$id", deliveryId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = new List<WebhookAttempt>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new WebhookAttempt(Guid.Parse(reader.GetString(0)), Guid.Parse(reader.GetString(1)), reader.GetInt32(2), At(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetStringOrNull(5), reader.GetInt64(6), reader.GetStringOrNull(7), reader.GetInt64(8) == 1));
        }

        return attempts;
    }

    public async Task<WebhookDeliveryPage> ListDeliveriesAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 500);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string> { "merchant_id = $merchant" };
        command.With("$merchant", query.MerchantId.ToString());
        if (query.EventId is { } eventId)
        {
            where.Add("event_id = $event");
            command.With("$event", eventId.ToString());
        }

        if (query.EndpointId is { } endpointId)
        {
            where.Add("endpoint_id = $endpoint");
            command.With("$endpoint", endpointId.ToString());
        }

        if (query.Status is { } status)
        {
            where.Add("status = $status");
            command.With("$status", Status(status));
        }

        if (query.Before is { } before)
        {
            where.Add("id < $before");
            command.With("$before", before.ToString());
        }

        // Version 7 ids sort by creation time as text: the id is the keyset.
        command.CommandText = $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE {string.Join(" AND ", where)} ORDER BY id DESC LIMIT {limit + 1}";
        var items = (await ReadDeliveriesAsync(command, cancellationToken)).ToList();
        Guid? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = items[^1].Id;
        }

        return new WebhookDeliveryPage(items, next);
    }

    private static async Task<IReadOnlyList<WebhookDelivery>> ReadDeliveriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new WebhookDelivery(
                Guid.Parse(reader.GetString(0)),
                Guid.Parse(reader.GetString(1)),
                Guid.Parse(reader.GetString(2)),
                Guid.Parse(reader.GetString(3)),
                reader.GetString(4),
                reader.GetString(5),
                ParseStatus(reader.GetString(6)),
                reader.GetInt32(7),
                reader.GetInt64OrNull(8) is { } next ? At(next) : null,
                reader.GetInt64OrNull(9) is { } last ? At(last) : null,
                reader.IsDBNull(10) ? null : reader.GetInt32(10),
                reader.GetStringOrNull(11),
                At(reader.GetInt64(12)))
            {
                TraceId = reader.GetStringOrNull(13),
            });
        }

        return deliveries;
    }

    private static WebhookEndpoint ReadEndpoint(SqliteDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        Guid.Parse(r.GetString(1)),
        r.GetString(2),
        r.GetStringOrNull(3),
        JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? [],
        r.GetInt64(5) == 1,
        At(r.GetInt64(6)),
        At(r.GetInt64(7)));

    private static string Status(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Succeeded => "succeeded",
        WebhookDeliveryStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static WebhookDeliveryStatus ParseStatus(string value) => value switch
    {
        "pending" => WebhookDeliveryStatus.Pending,
        "succeeded" => WebhookDeliveryStatus.Succeeded,
        _ => WebhookDeliveryStatus.Failed,
    };

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static long? Ms(DateTimeOffset? at) => at?.ToUnixTimeMilliseconds();

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
