using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Allow/block list entries and fraud rule versions on SQLite (portal.db). Entries and versions are JSON documents with
/// the columns the queries filter on; versions are insert-only (the primary key refuses a second version N), and the
/// one draft row (id 1) is written under its revision. Admin-rate writes: plain transactions, no group commit.
/// </summary>
internal sealed class SqliteFraudStore(SqliteDatabase db) : IFraudListStore, IFraudRuleStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Version 1 of this store's tables (a step of <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS fraud_list_entries (
            id          TEXT    PRIMARY KEY,
            list        TEXT    NOT NULL,
            subject     TEXT    NOT NULL,
            value       TEXT    NOT NULL,
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER,
            version     INTEGER NOT NULL,
            doc         TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_fraud_list_created ON fraud_list_entries(created_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS ix_fraud_list_expires ON fraud_list_entries(expires_at);
        CREATE TABLE IF NOT EXISTS fraud_rule_versions (
            version      INTEGER PRIMARY KEY,
            published_at INTEGER NOT NULL,
            doc          TEXT    NOT NULL
        );
        CREATE TABLE IF NOT EXISTS fraud_rule_draft (
            id       INTEGER PRIMARY KEY CHECK (id = 1),
            revision INTEGER NOT NULL,
            doc      TEXT    NOT NULL
        );
        """;

    public async Task AddAsync(IReadOnlyList<FraudListEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO fraud_list_entries (id, list, subject, value, created_at, expires_at, version, doc) VALUES ($id, $l, $s, $v, $at, $exp, $ver, $doc)";
        foreach (var e in entries)
        {
            insert.Parameters.Clear();
            Bind(insert, e);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<FraudListEntry?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryEntriesAsync("SELECT doc FROM fraud_list_entries WHERE id = $id", c => c.With("$id", id.ToString("N")), cancellationToken)).FirstOrDefault();

    public async Task<bool> UpdateAsync(FraudListEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE fraud_list_entries SET list = $l, subject = $s, value = $v, created_at = $at, expires_at = $exp, version = $ver, doc = $doc WHERE id = $id AND version = $expected";
        Bind(update, entry).With("$expected", expectedVersion);
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<FraudListEntry>> ActiveAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
        await QueryEntriesAsync("SELECT doc FROM fraud_list_entries WHERE expires_at IS NULL OR expires_at > $now", c => c.With("$now", at.UtcTicks), cancellationToken);

    public async Task<FraudListPage> ListAsync(FraudListQuery query, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        if (query.List is not null)
        {
            where.Add("list = $l");
        }

        if (query.Subject is not null)
        {
            where.Add("subject = $s");
        }

        if (!query.IncludeExpired)
        {
            where.Add("(expires_at IS NULL OR expires_at > $now)");
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            where.Add("instr(lower(value), lower($q)) > 0");
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        void Bind(SqliteCommand c) => c.With("$l", query.List?.ToString()).With("$s", query.Subject?.ToString()).With("$now", at.UtcTicks).With("$q", query.Search?.Trim());
        var items = await QueryEntriesAsync($"SELECT doc FROM fraud_list_entries {filter} ORDER BY created_at DESC, id DESC LIMIT {query.Take} OFFSET {query.Skip}", Bind, cancellationToken);
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM fraud_list_entries {filter}";
        Bind(count);
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new FraudListPage(items, total);
    }

    public async Task<IReadOnlyList<FraudRuleVersion>> VersionsAsync(CancellationToken cancellationToken) =>
        await QueryDocsAsync<FraudRuleVersion>("SELECT doc FROM fraud_rule_versions ORDER BY version DESC", _ => { }, cancellationToken);

    public async Task<FraudRuleVersion?> LatestAsync(CancellationToken cancellationToken) =>
        (await QueryDocsAsync<FraudRuleVersion>("SELECT doc FROM fraud_rule_versions ORDER BY version DESC LIMIT 1", _ => { }, cancellationToken)).FirstOrDefault();

    public async Task<bool> SeedAsync(FraudRuleVersion first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(first);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO fraud_rule_versions (version, published_at, doc) VALUES ($v, $at, $doc) ON CONFLICT (version) DO NOTHING";
        insert.With("$v", first.Version).With("$at", first.PublishedAt.UtcTicks).With("$doc", JsonSerializer.Serialize(first, Json));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<FraudRuleDraft?> GetDraftAsync(CancellationToken cancellationToken) =>
        (await QueryDocsAsync<FraudRuleDraft>("SELECT doc FROM fraud_rule_draft WHERE id = 1", _ => { }, cancellationToken)).FirstOrDefault();

    public async Task<bool> SaveDraftAsync(FraudRuleDraft draft, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var write = connection.CreateCommand();
        write.CommandText = expectedRevision == 0
            ? "INSERT INTO fraud_rule_draft (id, revision, doc) VALUES (1, $rev, $doc) ON CONFLICT (id) DO NOTHING"
            : "UPDATE fraud_rule_draft SET revision = $rev, doc = $doc WHERE id = 1 AND revision = $expected";
        write.With("$rev", draft.Revision).With("$doc", JsonSerializer.Serialize(draft, Json)).With("$expected", expectedRevision);
        return await write.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> PublishAsync(FraudRuleVersion version, long expectedDraftRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM fraud_rule_draft WHERE id = 1 AND revision = $expected";
        delete.With("$expected", expectedDraftRevision);
        if (await delete.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false;
        }

        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO fraud_rule_versions (version, published_at, doc) VALUES ($v, $at, $doc) ON CONFLICT (version) DO NOTHING";
        insert.With("$v", version.Version).With("$at", version.PublishedAt.UtcTicks).With("$doc", JsonSerializer.Serialize(version, Json));
        if (await insert.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false; // disposing the transaction rolls the delete back
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> DiscardDraftAsync(long expectedRevision, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM fraud_rule_draft WHERE id = 1 AND revision = $expected";
        delete.With("$expected", expectedRevision);
        return await delete.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static SqliteCommand Bind(SqliteCommand command, FraudListEntry e) => command
        .With("$id", e.Id.ToString("N")).With("$l", e.List.ToString()).With("$s", e.Subject.ToString()).With("$v", e.Value)
        .With("$at", e.CreatedAt.UtcTicks).With("$exp", e.ExpiresAt?.UtcTicks).With("$ver", e.Version).With("$doc", JsonSerializer.Serialize(e, Json));

    private Task<List<FraudListEntry>> QueryEntriesAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        QueryDocsAsync<FraudListEntry>(sql, bind, cancellationToken);

    private async Task<List<T>> QueryDocsAsync<T>(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var items = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
        }

        return items;
    }
}

/// <summary>
/// Payments in time order for backtests, from payments.db's <c>ix_payments_created</c> index. The document is read as
/// UTF-8 bytes and only the fields a replay needs are picked out of it in one pass (<see cref="Utf8JsonReader"/>): no full
/// deserialisation, and no <c>json_extract</c>, which parses the document again for every field.
/// </summary>
internal sealed class SqlitePaymentHistory(SqliteDatabase db) : IPaymentHistory
{
    public async Task<IReadOnlyList<ReplayPayment>> ReadAsync(DateTimeOffset from, DateTimeOffset to, PaymentKeyset? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT id, merchant_id, customer_id, status, created_at, doc
            FROM payments
            WHERE created_at >= $from AND created_at < $to {(after is null ? "" : "AND (created_at > $at OR id > $id)")}
            ORDER BY created_at, id LIMIT {Math.Clamp(limit, 1, 10_000)}
            """;
        // After a keyset the range starts at its time (an index seek on ix_payments_created); within that first tick only ids past it.
        var lower = after is { } a && a.CreatedAt > from ? a.CreatedAt : from;
        command.With("$from", lower.UtcTicks).With("$to", to.UtcTicks).With("$at", after?.CreatedAt.UtcTicks).With("$id", after?.Id.ToString("N"));
        var rows = new List<ReplayPayment>(Math.Clamp(limit, 1, 10_000));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var doc = ReplayFields.Read(reader.GetFieldValue<byte[]>(5));
            rows.Add(new ReplayPayment(Guid.ParseExact(reader.GetString(0), "N"), Guid.ParseExact(reader.GetString(1), "N"), reader.GetString(2), doc.Amount,
                doc.DeviceId, doc.Country, doc.IpAddress, doc.Email, Enum.Parse<PaymentStatus>(reader.GetString(3)), new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero)));
        }

        return rows;
    }

    /// <summary>The payment document's fields a replay reads: <c>amount</c>, <c>deviceId</c>, <c>country</c>, <c>ipAddress</c>, <c>metadata.email</c>.</summary>
    internal readonly record struct ReplayFields(long Amount, string? DeviceId, string? Country, string? IpAddress, string? Email)
    {
        public static ReplayFields Read(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json);
            long amount = 0;
            string? device = null, country = null, ip = null, email = null;
            reader.Read(); // the document's object
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("amount"u8))
                {
                    reader.Read();
                    amount = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("deviceId"u8))
                {
                    device = StringOrNull(ref reader);
                }
                else if (reader.ValueTextEquals("country"u8))
                {
                    country = StringOrNull(ref reader);
                }
                else if (reader.ValueTextEquals("ipAddress"u8))
                {
                    ip = StringOrNull(ref reader);
                }
                else if (reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    email = reader.TokenType == JsonTokenType.StartObject ? EmailOf(ref reader) : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new ReplayFields(amount, device, country, ip, email);
        }

        private static string? StringOrNull(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }

        /// <summary>The metadata map's <c>email</c>, leaving the reader on the map's end.</summary>
        private static string? EmailOf(ref Utf8JsonReader reader)
        {
            string? email = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("email"u8))
                {
                    email = StringOrNull(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return email;
        }
    }
}
