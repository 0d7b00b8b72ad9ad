using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Portal.Core.Payments;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Payments on SQLite (its own file, so payment writes never wait for other tables). The shared
/// <see cref="GroupCommitWriter{TWork, TResult}"/> commits queued <see cref="PaymentWrite"/>s in batches, each write inside
/// its own savepoint so one conflict rolls back only that write, and answers every caller only after its batch is durable
/// (WAL, synchronous=FULL: survives a power loss; the batch shares one sync). Its queue is bounded (full:
/// <see cref="StorageBusyException"/>); it controls checkpoints. Hot reads reuse prepared statements (<see cref="ReadSessions"/>).
/// </summary>
internal sealed class SqlitePaymentStore : IPaymentStore, IEventOutbox, IAsyncDisposable
{
    internal const string StoreName = "payments";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly SqliteDatabase _db;
    private readonly TimeProvider _clock;
    private readonly GroupCommitWriter<QueuedWrite, PaymentWriteResult> _writer;
    private readonly ReadSessions _reads;
    private DateTimeOffset _nextCleanup;

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS payments (
            id                  TEXT    PRIMARY KEY,
            merchant_id         TEXT    NOT NULL,
            customer_id         TEXT    NOT NULL,
            status              TEXT    NOT NULL,
            created_at          INTEGER NOT NULL, -- UTC ticks: full precision, so keyset order matches the records'
            processor_reference TEXT,
            version             INTEGER NOT NULL,
            doc                 TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_payments_created ON payments(created_at, id);
        CREATE INDEX IF NOT EXISTS ix_payments_merchant ON payments(merchant_id, created_at, id);
        CREATE INDEX IF NOT EXISTS ix_payments_merchant_status ON payments(merchant_id, status, created_at, id);
        CREATE INDEX IF NOT EXISTS ix_payments_status ON payments(status, created_at, id);
        CREATE INDEX IF NOT EXISTS ix_payments_customer ON payments(customer_id, created_at, id);
        CREATE UNIQUE INDEX IF NOT EXISTS ux_payments_reference ON payments(processor_reference) WHERE processor_reference IS NOT NULL;
        CREATE TABLE IF NOT EXISTS idempotency (
            merchant_id  TEXT    NOT NULL,
            scope        TEXT    NOT NULL,
            key          TEXT    NOT NULL,
            request_hash TEXT    NOT NULL,
            resource_id  TEXT    NOT NULL,
            status_code  INTEGER NOT NULL,
            body         TEXT,
            created_at   INTEGER NOT NULL,
            expires_at   INTEGER NOT NULL,
            PRIMARY KEY (merchant_id, scope, key)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_idempotency_expiry ON idempotency(expires_at);
        CREATE TABLE IF NOT EXISTS refunds (
            id         TEXT    PRIMARY KEY,
            payment_id TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            doc        TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_refunds_payment ON refunds(payment_id, created_at);
        CREATE TABLE IF NOT EXISTS customers (
            merchant_id TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            doc         TEXT NOT NULL,
            PRIMARY KEY (merchant_id, customer_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS payment_stats (
            merchant_id TEXT    NOT NULL,
            minute      INTEGER NOT NULL,
            status      TEXT    NOT NULL,
            reason      TEXT    NOT NULL,
            currency    TEXT    NOT NULL,
            count       INTEGER NOT NULL,
            amount      INTEGER NOT NULL,
            PRIMARY KEY (merchant_id, minute, status, reason, currency)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_payment_stats_minute ON payment_stats(minute);
        CREATE TABLE IF NOT EXISTS outbox (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            id         TEXT    NOT NULL UNIQUE,
            merchant_id TEXT   NOT NULL,
            payment_id TEXT    NOT NULL,
            type       TEXT    NOT NULL,
            data       TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            dispatched INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS ix_outbox_pending ON outbox(created_at, id) WHERE dispatched = 0;
        CREATE INDEX IF NOT EXISTS ix_outbox_payment ON outbox(payment_id, created_at, id);
        """;

    public SqlitePaymentStore(SqliteDatabase db, TimeProvider clock, ILogger<SqlitePaymentStore> logger, GroupCommitOptions? writerOptions = null)
    {
        _db = db;
        _clock = clock;
        _nextCleanup = clock.GetUtcNow();
        _reads = new ReadSessions(db, StoreName);
        _writer = new GroupCommitWriter<QueuedWrite, PaymentWriteResult>(StoreName, db, Commit, logger, writerOptions, CleanUpExpiredKeys);
    }

    /// <summary>The store's writer (tests hold it to fill its queue).</summary>
    internal GroupCommitWriter<QueuedWrite, PaymentWriteResult> Writer => _writer;

    public Task<PaymentWriteResult> WriteAsync(PaymentWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);

        // Once queued the write happens; the caller may stop waiting for it.
        return _writer.WriteAsync(QueuedWrite.From(write), cancellationToken);
    }

    /// <summary>
    /// A write with its documents already serialised: the caller's thread does the JSON work (callers run in parallel), so
    /// the one writer thread, which every payment waits for, only binds and steps.
    /// </summary>
    internal sealed record QueuedWrite(PaymentWrite Write, string? NewPaymentDoc, string? UpdatedPaymentDoc, string? NewRefundDoc)
    {
        public static QueuedWrite From(PaymentWrite w) => new(w,
            w.NewPayment is { } created ? JsonSerializer.Serialize(created, Json) : null,
            w.UpdatedPayment is { } updated ? JsonSerializer.Serialize(updated, Json) : null,
            w.NewRefund is { } refund ? JsonSerializer.Serialize(refund, Json) : null);
    }

    public async Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryPaymentsAsync("SELECT doc FROM payments WHERE id = $id", c => c.With("$id", Id(id)), cancellationToken)).FirstOrDefault();

    public async Task<Payment?> GetByProcessorReferenceAsync(string reference, CancellationToken cancellationToken) =>
        (await QueryPaymentsAsync("SELECT doc FROM payments WHERE processor_reference = $ref", c => c.With("$ref", reference), cancellationToken)).FirstOrDefault();

    public Task<IdempotencyRecord?> GetIdempotencyAsync(Guid merchantId, string scope, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _clock.GetUtcNow().UtcTicks;
        return Task.FromResult(_reads.Read(
            "SELECT request_hash, resource_id, status_code, body, created_at, expires_at FROM idempotency WHERE merchant_id = $m AND scope = $s AND key = $k AND expires_at > $now",
            command => command.With("$m", Id(merchantId)).With("$s", scope).With("$k", key).With("$now", now),
            reader => reader.Read() ? ReadIdempotency(reader, merchantId, scope, key) : null));
    }

    public Task<CustomerProfile?> GetCustomerAsync(Guid merchantId, string customerId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_reads.Read(
            "SELECT doc FROM customers WHERE merchant_id = $m AND customer_id = $c",
            command => command.With("$m", Id(merchantId)).With("$c", customerId),
            reader => reader.Read() ? JsonSerializer.Deserialize<CustomerProfile>(reader.GetString(0), Json) : null));
    }

    public Task<PaymentPage> ListAsync(PaymentListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ListCoreAsync(query, cancellationToken);
    }

    public async Task<IReadOnlyList<Refund>> RefundsAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT doc FROM refunds WHERE payment_id = $p ORDER BY created_at, id";
        command.With("$p", Id(paymentId));
        var refunds = new List<Refund>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            refunds.Add(JsonSerializer.Deserialize<Refund>(reader.GetString(0), Json)!);
        }

        return refunds;
    }

    public async Task<IReadOnlyList<PaymentStatsBucket>> StatsAsync(Guid? merchantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT minute, status, reason, currency, SUM(count), SUM(amount) FROM payment_stats
            WHERE minute >= $from AND minute < $to {(merchantId is null ? "" : "AND merchant_id = $m")}
            GROUP BY minute, status, reason, currency ORDER BY minute
            """;
        command.With("$from", MinuteCeiling(from)).With("$to", MinuteCeiling(to)).With("$m", merchantId is { } m ? Id(m) : null);
        var buckets = new List<PaymentStatsBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var reason = reader.GetString(2);
            buckets.Add(new PaymentStatsBucket(DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(0) * 60), Enum.Parse<PaymentStatus>(reader.GetString(1)),
                reason.Length == 0 ? null : reason, reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5)));
        }

        return buckets;
    }

    public async Task<IReadOnlyList<PaymentEvent>> PendingAsync(int max, CancellationToken cancellationToken) =>
        await QueryEventsAsync($"SELECT {EventColumns} FROM outbox WHERE dispatched = 0 ORDER BY created_at, id LIMIT {Math.Clamp(max, 1, 1000)}", _ => { }, cancellationToken);

    public Task MarkDispatchedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        return eventIds.Count == 0 ? Task.CompletedTask : WriteAsync(new PaymentWrite { DispatchedEvents = eventIds }, cancellationToken);
    }

    public async Task<IReadOnlyList<PaymentEvent>> ForPaymentAsync(Guid paymentId, CancellationToken cancellationToken) =>
        await QueryEventsAsync($"SELECT {EventColumns} FROM outbox WHERE payment_id = $p ORDER BY created_at, id", c => c.With("$p", Id(paymentId)), cancellationToken);

    public async Task<PaymentEvent?> GetEventAsync(Guid eventId, CancellationToken cancellationToken) =>
        (await QueryEventsAsync($"SELECT {EventColumns} FROM outbox WHERE id = $id", c => c.With("$id", Id(eventId)), cancellationToken)).FirstOrDefault();

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _reads.Dispose();
    }

    private const string EventColumns = "id, merchant_id, type, payment_id, data, created_at, trace_id";

    /// <summary>payments.db step 2 (issue 19): the trace id of each outbox event.</summary>
    internal const string OutboxTraceId = "ALTER TABLE outbox ADD COLUMN trace_id TEXT;";

    private async Task<PaymentPage> ListCoreAsync(PaymentListQuery query, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        var where = new List<string>();
        if (query.MerchantId is not null)
        {
            where.Add("merchant_id = $m");
        }

        if (query.Status is not null)
        {
            where.Add("status = $s");
        }

        if (query.CustomerId is not null)
        {
            where.Add("customer_id = $c");
        }

        if (query.After is not null)
        {
            where.Add("(created_at, id) < ($at, $id)");
        }

        var sql = $"SELECT doc FROM payments {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY created_at DESC, id DESC LIMIT {limit + 1}";
        var items = await QueryPaymentsAsync(sql, c => c
            .With("$m", query.MerchantId is { } m ? Id(m) : null)
            .With("$s", query.Status?.ToString())
            .With("$c", query.CustomerId)
            .With("$at", query.After?.CreatedAt.UtcTicks)
            .With("$id", query.After is { } a ? Id(a.Id) : null), cancellationToken);
        PaymentKeyset? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = new PaymentKeyset(items[^1].CreatedAt, items[^1].Id);
        }

        return new PaymentPage(items, next);
    }

    private async Task<List<Payment>> QueryPaymentsAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var payments = new List<Payment>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            payments.Add(JsonSerializer.Deserialize<Payment>(reader.GetString(0), Json)!);
        }

        return payments;
    }

    private async Task<List<PaymentEvent>> QueryEventsAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var events = new List<PaymentEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new PaymentEvent(Guid.ParseExact(reader.GetString(0), "N"), Guid.ParseExact(reader.GetString(1), "N"), reader.GetString(2),
                Guid.ParseExact(reader.GetString(3), "N"), reader.GetString(4), Ticks(reader.GetInt64(5))) { TraceId = reader.GetStringOrNull(6) });
        }

        return events;
    }

    private void Commit(WriteSession session, IReadOnlyList<QueuedWrite> batch, PaymentWriteResult[] results)
    {
        var now = _clock.GetUtcNow();
        using var transaction = session.Begin();
        for (var i = 0; i < batch.Count; i++)
        {
            session.Statement("SAVEPOINT w").ExecuteNonQuery();
            results[i] = Apply(session, batch[i], now);
            if (results[i].Status != PaymentWriteStatus.Ok)
            {
                session.Statement("ROLLBACK TO w").ExecuteNonQuery();
            }

            session.Statement("RELEASE w").ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static PaymentWriteResult Apply(WriteSession session, QueuedWrite queued, DateTimeOffset now)
    {
        SqliteCommand Command(string sql) => session.Statement(sql);
        var w = queued.Write;

        if (w.NewIdempotency is { } record)
        {
            var insert = Command("""
                INSERT INTO idempotency (merchant_id, scope, key, request_hash, resource_id, status_code, body, created_at, expires_at)
                VALUES ($m, $s, $k, $h, $r, $code, $body, $at, $exp)
                ON CONFLICT (merchant_id, scope, key) DO UPDATE SET request_hash = excluded.request_hash, resource_id = excluded.resource_id,
                    status_code = excluded.status_code, body = excluded.body, created_at = excluded.created_at, expires_at = excluded.expires_at
                WHERE idempotency.expires_at <= $now
                """);
            BindIdempotency(insert, record).With("$now", now.UtcTicks);
            if (insert.ExecuteNonQuery() == 0)
            {
                var select = Command("SELECT request_hash, resource_id, status_code, body, created_at, expires_at FROM idempotency WHERE merchant_id = $m AND scope = $s AND key = $k");
                select.With("$m", Id(record.MerchantId)).With("$s", record.Scope).With("$k", record.Key);
                using var reader = select.ExecuteReader();
                reader.Read();
                return new PaymentWriteResult(PaymentWriteStatus.IdempotencyKeyExists, ReadIdempotency(reader, record.MerchantId, record.Scope, record.Key));
            }
        }

        if (w.UpdatedPayment is { } updated)
        {
            var update = Command("""
                UPDATE payments SET status = $status, processor_reference = $ref, version = $version, doc = $doc
                WHERE id = $id AND version = $expected
                """);
            update.With("$status", updated.Status.ToString()).With("$ref", updated.ProcessorReference).With("$version", updated.Version)
                .With("$doc", queued.UpdatedPaymentDoc).With("$id", Id(updated.Id)).With("$expected", w.ExpectedVersion);
            if (update.ExecuteNonQuery() == 0)
            {
                return new PaymentWriteResult(PaymentWriteStatus.VersionConflict);
            }
        }

        if (w.CompletedIdempotency is { } completed)
        {
            var complete = Command("UPDATE idempotency SET status_code = $code, body = $body WHERE merchant_id = $m AND scope = $s AND key = $k");
            BindIdempotency(complete, completed);
            complete.ExecuteNonQuery();
        }

        if (w.NewPayment is { } payment)
        {
            var insert = Command("""
                INSERT INTO payments (id, merchant_id, customer_id, status, created_at, processor_reference, version, doc)
                VALUES ($id, $m, $c, $status, $at, $ref, $version, $doc)
                """);
            insert.With("$id", Id(payment.Id)).With("$m", Id(payment.MerchantId)).With("$c", payment.CustomerId).With("$status", payment.Status.ToString())
                .With("$at", payment.CreatedAt.UtcTicks).With("$ref", payment.ProcessorReference).With("$version", payment.Version)
                .With("$doc", queued.NewPaymentDoc);
            insert.ExecuteNonQuery();
        }

        if (w.NewRefund is { } refund)
        {
            var insert = Command("INSERT INTO refunds (id, payment_id, created_at, doc) VALUES ($id, $p, $at, $doc)");
            insert.With("$id", Id(refund.Id)).With("$p", Id(refund.PaymentId)).With("$at", refund.CreatedAt.UtcTicks)
                .With("$doc", queued.NewRefundDoc);
            insert.ExecuteNonQuery();
        }

        if (w.Activity is { } activity)
        {
            var select = Command("SELECT doc FROM customers WHERE merchant_id = $m AND customer_id = $c");
            select.With("$m", Id(activity.MerchantId)).With("$c", activity.CustomerId);
            var profile = select.ExecuteScalar() is string doc
                ? JsonSerializer.Deserialize<CustomerProfile>(doc, Json)!
                : CustomerProfile.Empty(activity.MerchantId, activity.CustomerId);
            var upsert = Command("INSERT INTO customers (merchant_id, customer_id, doc) VALUES ($m, $c, $doc) ON CONFLICT (merchant_id, customer_id) DO UPDATE SET doc = excluded.doc");
            upsert.With("$m", Id(activity.MerchantId)).With("$c", activity.CustomerId).With("$doc", JsonSerializer.Serialize(profile.With(activity), Json));
            upsert.ExecuteNonQuery();
        }

        if (w.Count is { } count)
        {
            var upsert = Command("""
                INSERT INTO payment_stats (merchant_id, minute, status, reason, currency, count, amount) VALUES ($m, $minute, $status, $reason, $currency, 1, $amount)
                ON CONFLICT (merchant_id, minute, status, reason, currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount
                """);
            upsert.With("$m", Id(count.MerchantId)).With("$minute", Minute(count.At)).With("$status", count.Status.ToString()).With("$reason", count.Reason ?? "")
                .With("$currency", count.Currency).With("$amount", count.Amount);
            upsert.ExecuteNonQuery();
        }

        if (w.Events.Count > 0)
        {
            var insert = Command("INSERT INTO outbox (id, merchant_id, payment_id, type, data, created_at, trace_id) VALUES ($id, $m, $p, $type, $data, $at, $trace) ON CONFLICT (id) DO NOTHING");
            foreach (var e in w.Events)
            {
                insert.Parameters.Clear();
                insert.With("$id", Id(e.Id)).With("$m", Id(e.MerchantId)).With("$p", Id(e.PaymentId)).With("$type", e.Type).With("$data", e.Data)
                    .With("$at", e.CreatedAt.UtcTicks).With("$trace", e.TraceId);
                insert.ExecuteNonQuery();
            }
        }

        if (w.DispatchedEvents is { Count: > 0 } dispatched)
        {
            var mark = Command("UPDATE outbox SET dispatched = 1 WHERE id = $id");
            foreach (var id in dispatched)
            {
                mark.Parameters.Clear();
                mark.With("$id", Id(id));
                mark.ExecuteNonQuery();
            }
        }

        return PaymentWriteResult.Ok;
    }

    private static SqliteCommand BindIdempotency(SqliteCommand command, IdempotencyRecord r) => command
        .With("$m", Id(r.MerchantId)).With("$s", r.Scope).With("$k", r.Key).With("$h", r.RequestHash).With("$r", Id(r.ResourceId))
        .With("$code", (int)r.Outcome).With("$body", r.Snapshot).With("$at", r.CreatedAt.UtcTicks).With("$exp", r.ExpiresAt.UtcTicks);

    private static IdempotencyRecord ReadIdempotency(SqliteDataReader r, Guid merchantId, string scope, string key) => new(
        merchantId, key, scope, r.GetString(0), Guid.ParseExact(r.GetString(1), "N"), (IdempotentOutcome)r.GetInt32(2), r.GetStringOrNull(3),
        Ticks(r.GetInt64(4)), Ticks(r.GetInt64(5)));

    /// <summary>Expired keys go in small slices between batches, so a large backlog never makes one commit slow.</summary>
    private void CleanUpExpiredKeys(WriteSession session)
    {
        var now = _clock.GetUtcNow();
        if (now < _nextCleanup)
        {
            return;
        }

        _nextCleanup = now.AddMinutes(1);
        var delete = session.Statement("DELETE FROM idempotency WHERE (merchant_id, scope, key) IN (SELECT merchant_id, scope, key FROM idempotency WHERE expires_at <= $now LIMIT 1000)");
        delete.With("$now", now.UtcTicks);
        delete.ExecuteNonQuery();
    }

    private static string Id(Guid id) => id.ToString("N");

    private static long Minute(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    private static DateTimeOffset Ticks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static long MinuteCeiling(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute;
}
