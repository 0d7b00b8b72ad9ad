using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Merchants;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Merchants in SQLite. The CAC number's uniqueness is a unique index (atomic under concurrent inserts); every list
/// query is served from an index in keyset order, so a page costs the same at 1k and 1M rows. Registrations and updates
/// go through the shared <see cref="GroupCommitWriter{TWork, TResult}"/>: one sync per batch, each write in its own savepoint.
/// </summary>
internal sealed class SqliteMerchantStore : IMerchantStore, IAsyncDisposable
{
    internal const string StoreName = "merchants";

    private const string Columns =
        "id, business_name, cac_number, business_type, registered_address, website, industry, sealed_pii, email_hash, status, status_note, created_at, updated_at, version, submitted_at, assigned_to, proposal";

    // The review queue: awaiting statuses only, so the partial index below serves it (the IN list must match it exactly).
    private const string InQueue = "status IN ('Submitted', 'InReview', 'MoreInformationRequested') AND submitted_key IS NOT NULL";

    private readonly SqliteDatabase _db;
    private readonly GroupCommitWriter<MerchantWrite, MerchantWriteOutcome> _writer;

    public SqliteMerchantStore(SqliteDatabase db, ILogger<SqliteMerchantStore>? logger = null, GroupCommitOptions? writerOptions = null)
    {
        _db = db;
        _writer = new GroupCommitWriter<MerchantWrite, MerchantWriteOutcome>(StoreName, db, Commit, logger ?? NullLogger<SqliteMerchantStore>.Instance, writerOptions);
    }

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal static void CreateSchema(SqliteMigrationContext schema)
    {
        schema.Execute("""
            CREATE TABLE IF NOT EXISTS merchants (
                id                 TEXT    PRIMARY KEY,
                business_name      TEXT    NOT NULL,
                name_key           TEXT    NOT NULL,
                cac_number         TEXT    NOT NULL,
                business_type      TEXT,
                registered_address TEXT,
                website            TEXT,
                industry           TEXT,
                sealed_pii         BLOB    NOT NULL,
                email_hash         TEXT    NOT NULL,
                status             TEXT    NOT NULL,
                status_note        TEXT,
                created_at         INTEGER NOT NULL,
                created_key        TEXT    NOT NULL,
                updated_at         INTEGER NOT NULL,
                version            INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS ux_merchants_cac ON merchants(cac_number);
            CREATE INDEX IF NOT EXISTS ix_merchants_created ON merchants(created_key DESC, id DESC);
            CREATE INDEX IF NOT EXISTS ix_merchants_status ON merchants(status, created_key DESC, id DESC);
            CREATE INDEX IF NOT EXISTS ix_merchants_name ON merchants(name_key, id);
            CREATE INDEX IF NOT EXISTS ix_merchants_email ON merchants(email_hash);
            CREATE TABLE IF NOT EXISTS merchant_history (
                seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                merchant_id TEXT    NOT NULL,
                at          INTEGER NOT NULL,
                actor       TEXT    NOT NULL,
                actor_role  TEXT,
                change      TEXT    NOT NULL,
                status      TEXT    NOT NULL,
                note        TEXT
            );
            CREATE INDEX IF NOT EXISTS ix_merchant_history ON merchant_history(merchant_id, seq);
            """);

        // Added with the KYC queue, before schema versions: a database from before it gets the columns (NULL: never
        // submitted, nobody assigned).
        if (schema.Scalar("SELECT name FROM pragma_table_info('merchants') WHERE name = 'submitted_key'") is null)
        {
            schema.Execute("""
                ALTER TABLE merchants ADD COLUMN submitted_at INTEGER;
                ALTER TABLE merchants ADD COLUMN submitted_key TEXT;
                ALTER TABLE merchants ADD COLUMN assigned_to TEXT;
                """);

            // Cases awaiting review before the queue existed would otherwise never appear in it: their submission
            // time is the last "Submitted" entry of their history (else their last update).
            schema.Execute("""
                UPDATE merchants SET submitted_at = COALESCE(
                    (SELECT MAX(h.at) FROM merchant_history h WHERE h.merchant_id = merchants.id AND h.status = 'Submitted'), updated_at)
                WHERE status IN ('Submitted', 'InReview', 'MoreInformationRequested');
                UPDATE merchants SET submitted_key = printf('%019d', submitted_at) WHERE submitted_at IS NOT NULL;
                """);
        }

        schema.Execute($"CREATE INDEX IF NOT EXISTS ix_merchants_queue ON merchants(submitted_key, id) WHERE {InQueue};");
    }

    /// <summary>Schema step 6 (four-eyes): the pending KYB proposal as JSON, NULL when none.</summary>
    internal const string ProposalColumn = "ALTER TABLE merchants ADD COLUMN proposal TEXT;";

    public Task<MerchantWriteOutcome> CreateAsync(MerchantRecord merchant, MerchantHistoryEntry created, CancellationToken cancellationToken) =>
        _writer.WriteAsync(new MerchantWrite(merchant, null, created), cancellationToken);

    public Task<MerchantWriteOutcome> UpdateAsync(MerchantRecord merchant, long expectedVersion, MerchantHistoryEntry change, CancellationToken cancellationToken) =>
        _writer.WriteAsync(new MerchantWrite(merchant, expectedVersion, change), cancellationToken);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    /// <summary>One batch of registrations and updates: each in its own savepoint, so a duplicate CAC number undoes only its own write.</summary>
    private static void Commit(WriteSession session, IReadOnlyList<MerchantWrite> batch, MerchantWriteOutcome[] results)
    {
        using var transaction = session.Begin();
        for (var i = 0; i < batch.Count; i++)
        {
            session.Statement("SAVEPOINT w").ExecuteNonQuery();
            results[i] = Apply(session, batch[i]);
            if (results[i] != MerchantWriteOutcome.Done)
            {
                session.Statement("ROLLBACK TO w").ExecuteNonQuery();
            }

            session.Statement("RELEASE w").ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static MerchantWriteOutcome Apply(WriteSession session, MerchantWrite write)
    {
        var merchant = write.Merchant;
        if (write.ExpectedVersion is not { } expectedVersion)
        {
            var insert = session.Statement($"INSERT INTO merchants ({Columns}, name_key, created_key, submitted_key) VALUES ($id, $name, $cac, $type, $address, $website, $industry, $pii, $email, $status, $note, $created, $updated, $version, $submitted, $assigned, $proposal, $name_key, $created_key, $submitted_key)");
            Bind(insert, merchant);
            try
            {
                insert.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                return ex.Message.Contains("cac_number", StringComparison.Ordinal) ? MerchantWriteOutcome.DuplicateCac : MerchantWriteOutcome.DuplicateId;
            }

            AddHistory(session, write.History);
            return MerchantWriteOutcome.Done;
        }

        var update = session.Statement("""
            UPDATE merchants SET business_name = $name, name_key = $name_key, cac_number = $cac, business_type = $type,
                registered_address = $address, website = $website, industry = $industry, sealed_pii = $pii, email_hash = $email,
                status = $status, status_note = $note, updated_at = $updated, version = $version,
                submitted_at = $submitted, submitted_key = $submitted_key, assigned_to = $assigned, proposal = $proposal
            WHERE id = $id AND version = $expected
            """);
        Bind(update, merchant);
        update.With("$expected", expectedVersion);
        int rows;
        try
        {
            rows = update.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            return MerchantWriteOutcome.DuplicateCac;
        }

        if (rows == 0)
        {
            var exists = session.Statement("SELECT 1 FROM merchants WHERE id = $id");
            exists.With("$id", merchant.Id.ToString());
            return exists.ExecuteScalar() is null ? MerchantWriteOutcome.NotFound : MerchantWriteOutcome.VersionConflict;
        }

        AddHistory(session, write.History);
        return MerchantWriteOutcome.Done;
    }

    public async Task<MerchantRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM merchants WHERE id = $id";
        command.With("$id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<MerchantPage> ListAsync(MerchantListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Status is { } status)
        {
            where.Add("status = $status");
            command.With("$status", status.ToString());
        }

        if (!string.IsNullOrEmpty(query.CacNumber))
        {
            where.Add("cac_number = $cac");
            command.With("$cac", query.CacNumber);
        }

        var byName = !string.IsNullOrWhiteSpace(query.NamePrefix);
        string order;
        if (byName)
        {
            // A range on the index instead of LIKE: name_key >= prefix AND name_key < prefix + U+FFFF.
            var prefix = MerchantSort.NormaliseName(query.NamePrefix!);
            where.Add("name_key >= $prefix AND name_key < $prefix_end");
            command.With("$prefix", prefix).With("$prefix_end", prefix + '\uffff');
            if (query.After is { } after)
            {
                where.Add("(name_key > $after_key OR (name_key = $after_key AND id > $after_id))");
                command.With("$after_key", after.SortKey).With("$after_id", after.Id.ToString());
            }

            order = "name_key ASC, id ASC";
        }
        else
        {
            if (query.After is { } after)
            {
                where.Add("(created_key < $after_key OR (created_key = $after_key AND id < $after_id))");
                command.With("$after_key", after.SortKey).With("$after_id", after.Id.ToString());
            }

            order = "created_key DESC, id DESC";
        }

        command.CommandText = $"""
            SELECT id, business_name, cac_number, status, created_at, updated_at, name_key, created_key FROM merchants
            {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))}
            ORDER BY {order} LIMIT {query.Limit + 1}
            """;
        var items = new List<(MerchantSummary Summary, string SortKey)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add((new MerchantSummary(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), Enum.Parse<MerchantStatus>(reader.GetString(3)),
                FromTicks(reader.GetInt64(4)), FromTicks(reader.GetInt64(5))), byName ? reader.GetString(6) : reader.GetString(7)));
        }

        MerchantKeyset? next = null;
        if (items.Count > query.Limit)
        {
            items.RemoveAt(query.Limit);
            next = new MerchantKeyset(items[^1].SortKey, items[^1].Summary.Id);
        }

        return new MerchantPage(items.Select(i => i.Summary).ToList(), next);
    }

    public async Task<MerchantPage> QueueAsync(MerchantQueueQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string> { InQueue };
        if (query.Status is { } status)
        {
            where.Add("status = $status");
            command.With("$status", status.ToString());
        }

        switch (query.Assignee)
        {
            case QueueAssignee.Assigned:
                where.Add("assigned_to = $assignee");
                command.With("$assignee", query.AssignedTo ?? "");
                break;
            case QueueAssignee.Unassigned:
                where.Add("assigned_to IS NULL");
                break;
            case QueueAssignee.Anyone:
                break;
        }

        if (query.SubmittedBefore is { } before)
        {
            where.Add("submitted_key < $before");
            command.With("$before", MerchantSort.CreatedKey(before));
        }

        if (query.After is { } after)
        {
            where.Add("(submitted_key > $after_key OR (submitted_key = $after_key AND id > $after_id))");
            command.With("$after_key", after.SortKey).With("$after_id", after.Id.ToString());
        }

        command.CommandText = $"""
            SELECT id, business_name, cac_number, status, created_at, updated_at, submitted_at, assigned_to, version, submitted_key, proposal FROM merchants
            WHERE {string.Join(" AND ", where)} ORDER BY submitted_key ASC, id ASC LIMIT {query.Limit + 1}
            """;
        var items = new List<(MerchantSummary Summary, string SortKey)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add((new MerchantSummary(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), Enum.Parse<MerchantStatus>(reader.GetString(3)),
                FromTicks(reader.GetInt64(4)), FromTicks(reader.GetInt64(5)), FromTicks(reader.GetInt64(6)), reader.GetStringOrNull(7), reader.GetInt64(8),
                KybProposal.FromJson(reader.GetStringOrNull(10))), reader.GetString(9)));
        }

        MerchantKeyset? next = null;
        if (items.Count > query.Limit)
        {
            items.RemoveAt(query.Limit);
            next = new MerchantKeyset(items[^1].SortKey, items[^1].Summary.Id);
        }

        return new MerchantPage(items.Select(i => i.Summary).ToList(), next);
    }

    public async Task<IReadOnlyDictionary<MerchantStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM merchants GROUP BY status";
        var counts = new Dictionary<MerchantStatus, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[Enum.Parse<MerchantStatus>(reader.GetString(0))] = reader.GetInt64(1);
        }

        return counts;
    }

    public async Task<IReadOnlyList<MerchantHistoryEntry>> HistoryAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at, actor, actor_role, change, status, note FROM merchant_history WHERE merchant_id = $id ORDER BY seq";
        command.With("$id", id.ToString());
        var entries = new List<MerchantHistoryEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new MerchantHistoryEntry(id, FromTicks(reader.GetInt64(0)), reader.GetString(1), reader.GetStringOrNull(2), reader.GetString(3),
                Enum.Parse<MerchantStatus>(reader.GetString(4)), reader.GetStringOrNull(5)));
        }

        return entries;
    }

    private static void AddHistory(WriteSession session, MerchantHistoryEntry entry)
    {
        var command = session.Statement("INSERT INTO merchant_history (merchant_id, at, actor, actor_role, change, status, note) VALUES ($id, $at, $actor, $role, $change, $status, $note)");
        command.With("$id", entry.MerchantId.ToString()).With("$at", entry.At.UtcTicks).With("$actor", entry.Actor).With("$role", entry.ActorRole)
            .With("$change", entry.Change).With("$status", entry.Status.ToString()).With("$note", entry.Note);
        command.ExecuteNonQuery();
    }

    /// <summary>A registration (no expected version) or an update of the given version.</summary>
    private sealed record MerchantWrite(MerchantRecord Merchant, long? ExpectedVersion, MerchantHistoryEntry History);

    private static void Bind(SqliteCommand command, MerchantRecord m) =>
        command.With("$id", m.Id.ToString()).With("$name", m.BusinessName).With("$name_key", MerchantSort.NormaliseName(m.BusinessName))
            .With("$cac", m.CacNumber).With("$type", m.BusinessType?.ToString()).With("$address", m.RegisteredAddress).With("$website", m.Website)
            .With("$industry", m.Industry).With("$pii", m.SealedPii).With("$email", m.ContactEmailHash).With("$status", m.Status.ToString())
            .With("$note", m.StatusNote).With("$created", m.CreatedAt.UtcTicks).With("$created_key", MerchantSort.CreatedKey(m.CreatedAt))
            .With("$updated", m.UpdatedAt.UtcTicks).With("$version", m.Version).With("$submitted", m.SubmittedAt?.UtcTicks)
            .With("$submitted_key", m.SubmittedAt is { } at ? MerchantSort.CreatedKey(at) : null).With("$assigned", m.AssignedTo).With("$proposal", m.Proposal?.ToJson());

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private static MerchantRecord Read(SqliteDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        r.GetString(1),
        r.GetString(2),
        r.GetStringOrNull(3) is { } type ? Enum.Parse<BusinessType>(type) : null,
        r.GetStringOrNull(4),
        r.GetStringOrNull(5),
        r.GetStringOrNull(6),
        (byte[])r.GetValue(7),
        r.GetString(8),
        Enum.Parse<MerchantStatus>(r.GetString(9)),
        r.GetStringOrNull(10),
        FromTicks(r.GetInt64(11)),
        FromTicks(r.GetInt64(12)),
        r.GetInt64(13),
        r.GetInt64OrNull(14) is { } submitted ? FromTicks(submitted) : null,
        r.GetStringOrNull(15),
        KybProposal.FromJson(r.GetStringOrNull(16)));
}
