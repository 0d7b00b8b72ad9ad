using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Portal.Core.Audit;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// The embedded audit log: the shared <see cref="GroupCommitWriter{TWork, TResult}"/> appends queued events in batches
/// (group commit), each batch one transaction, and answers every caller only after its batch is durable. A single writer
/// also makes the chain order unambiguous. The signed head is written beside the database after each batch.
/// </summary>
internal sealed class SqliteAuditLog : IAuditLog, IAuditArchive, IAsyncDisposable
{
    internal const string StoreName = "audit";

    private readonly SqliteDatabase _db;
    private readonly AuditChain _chain;
    private readonly TimeProvider _clock;
    private readonly ILogger<SqliteAuditLog> _logger;
    private readonly string _headPath;
    private readonly GroupCommitWriter<Pending, AuditEvent> _writer;
    private readonly Lock _headGate = new();
    private readonly string _archiveFolder;
    private readonly SemaphoreSlim _archiving = new(1, 1);
    private long _lastSequence;
    private string _lastHash = AuditChain.GenesisHash;

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS audit_events (
            sequence      INTEGER PRIMARY KEY,
            id            TEXT    NOT NULL,
            occurred_at   INTEGER NOT NULL,
            actor_id      TEXT,
            actor_name    TEXT,
            actor_role    TEXT,
            action        TEXT    NOT NULL,
            target        TEXT,
            source_ip     TEXT,
            outcome       TEXT    NOT NULL,
            detail        TEXT,
            previous_hash TEXT    NOT NULL,
            hash          TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_audit_action ON audit_events(action, sequence);
        CREATE INDEX IF NOT EXISTS ix_audit_actor ON audit_events(actor_id, sequence);
        CREATE INDEX IF NOT EXISTS ix_audit_time ON audit_events(occurred_at);
        """;

    /// <summary>Version 2: indexes for the explorer's filters (role, outcome, source IP, target), each ending in the keyset column.</summary>
    internal const string ExplorerIndexes = """
        CREATE INDEX IF NOT EXISTS ix_audit_role ON audit_events(actor_role, sequence);
        CREATE INDEX IF NOT EXISTS ix_audit_ip ON audit_events(source_ip, sequence);
        CREATE INDEX IF NOT EXISTS ix_audit_target ON audit_events(target, sequence);
        """;

    /// <summary>Version 3: the actor filter is <c>actor_id = x OR actor_name = x</c>; with this index both sides are index lookups.</summary>
    internal const string ActorNameIndex = """
        CREATE INDEX IF NOT EXISTS ix_audit_actor_name ON audit_events(actor_name, sequence);
        """;

    /// <summary>Version 4 (issue 19): the trace id of each event, and an index for the app bar's trace search.</summary>
    internal const string TraceIdColumn = """
        ALTER TABLE audit_events ADD COLUMN trace_id TEXT;
        CREATE INDEX IF NOT EXISTS ix_audit_trace ON audit_events(trace_id, sequence) WHERE trace_id IS NOT NULL;
        """;

    public SqliteAuditLog(SqliteDatabase db, AuditChain chain, TimeProvider clock, ILogger<SqliteAuditLog> logger, GroupCommitOptions? writerOptions = null)
    {
        _db = db;
        _chain = chain;
        _clock = clock;
        _logger = logger;
        _headPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(db.Path))!, "audit.head.json");
        _archiveFolder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(db.Path))!, ArchiveFolderName);
        LoadTail();
        WarnIfHeadDisagrees();
        _writer = new GroupCommitWriter<Pending, AuditEvent>(StoreName, db, Commit, logger, writerOptions,
            failed: _ => LoadTail()); // the transaction rolled back: continue the chain from what is stored
    }

    public Task<AuditEvent> AppendAsync(Actor actor, AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(entry);
        // The caller may stop waiting, but the event is still written: an audit record is never dropped half-way.
        return _writer.WriteAsync(new Pending(actor, entry), cancellationToken);
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 10_000);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = Filters(query, command);
        var keyset = new List<string>();
        if (query.BeforeSequence is { } before)
        {
            keyset.Add("sequence < $before");
            command.With("$before", before);
        }

        if (query.AfterSequence is { } after)
        {
            keyset.Add("sequence > $after");
            command.With("$after", after);
        }

        var filter = where.Count + keyset.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where.Concat(keyset));
        var count = !query.CountTotal ? "" : $"SELECT COUNT(*) FROM audit_events {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))};";
        command.CommandText = $"""
            SELECT {Columns} FROM audit_events {filter} ORDER BY sequence {(query.Ascending ? "ASC" : "DESC")} LIMIT {limit + 1} OFFSET {Math.Clamp(query.Skip, 0, 100_000)};
            {count}
            """;
        var events = new List<AuditEvent>(Math.Min(limit + 1, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(Read(reader));
        }

        long total = -1;
        if (query.CountTotal)
        {
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            total = reader.GetInt64(0);
        }

        return AuditPage.Of(events, limit, query.Ascending, total);
    }

    /// <summary>The WHERE terms of a query's filters (not its keyset position), each bound as a parameter.</summary>
    private static List<string> Filters(AuditQuery query, SqliteCommand command)
    {
        var where = new List<string>();
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            where.Add("action = $action");
            command.With("$action", query.Action);
        }

        if (!string.IsNullOrWhiteSpace(query.ActionPrefix))
        {
            // Range on the (action, sequence) index: 'kyc.' <= action < 'kyc/'.
            where.Add("action >= $area_from AND action < $area_to");
            command.With("$area_from", query.ActionPrefix);
            command.With("$area_to", query.ActionPrefix[..^1] + (char)(query.ActionPrefix[^1] + 1));
        }

        if (!string.IsNullOrWhiteSpace(query.ActorId))
        {
            where.Add("(actor_id = $actor OR actor_name = $actor)");
            command.With("$actor", query.ActorId);
        }

        if (!string.IsNullOrWhiteSpace(query.ActorRole))
        {
            where.Add("actor_role = $role");
            command.With("$role", query.ActorRole);
        }

        if (query.Outcome is { } outcome)
        {
            where.Add("outcome = $outcome");
            command.With("$outcome", outcome.ToString());
        }

        if (!string.IsNullOrWhiteSpace(query.SourceIp))
        {
            where.Add("source_ip = $ip");
            command.With("$ip", query.SourceIp);
        }

        if (!string.IsNullOrWhiteSpace(query.TraceId))
        {
            where.Add("trace_id = $trace");
            command.With("$trace", query.TraceId);
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            where.Add("target = $target");
            command.With("$target", query.Target);
        }

        if (query.TargetType is { } type && AuditTargets.Pattern(type) is { } pattern)
        {
            var ors = new List<string>();
            for (var i = 0; i < pattern.Prefixes.Length; i++)
            {
                ors.Add($"target LIKE $tp{i} ESCAPE '\\'");
                command.With($"$tp{i}", pattern.Prefixes[i].Replace("_", "\\_", StringComparison.Ordinal) + "%");
            }

            var slash = pattern.Slash switch { true => " AND instr(target, '/') > 0", false => " AND instr(target, '/') = 0", null => "" };
            where.Add($"(({string.Join(" OR ", ors)}){slash})");
        }

        if (query.From is { } from)
        {
            where.Add("occurred_at >= $from");
            command.With("$from", from.ToUnixTimeMilliseconds());
        }

        if (query.To is { } to)
        {
            where.Add("occurred_at < $to");
            command.With("$to", to.ToUnixTimeMilliseconds());
        }

        return where;
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM audit_events WHERE sequence > $archived ORDER BY sequence";
        SqliteDataReader reader;
        AuditHead? head;
        IReadOnlyList<ArchiveFile> archives;
        // The reader's first step fixes its snapshot (WAL). Taking it and reading the head under the gate that covers a
        // batch's commit and head write makes them belong together: a batch committing meanwhile is no false alarm. The
        // archive job deletes archived rows under the same gate, so the archives listed and the rows read fit together.
        lock (_headGate)
        {
            archives = ListArchives();
            command.With("$archived", archives.Count == 0 ? 0 : archives[^1].Last);
            reader = command.ExecuteReader();
            head = ReadHead();
        }

        await using (reader)
        {
            // Archives first, then the live rows after the last archived event: one chain from event 1.
            return AuditChain.Verify(_chain, ReadArchives(archives, cancellationToken).Concat(ReadAll(reader, cancellationToken)), head, _clock.GetUtcNow());
        }
    }

    public async Task<IReadOnlyDictionary<string, long>> CountByActionAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT action, COUNT(*) FROM audit_events WHERE occurred_at >= $from AND occurred_at < $to GROUP BY action";
        command.With("$from", from.ToUnixTimeMilliseconds());
        command.With("$to", to.ToUnixTimeMilliseconds());
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    /// <summary>The folder of archives, beside the database.</summary>
    internal const string ArchiveFolderName = "audit-archive";

    /// <summary>Events per archive file: a file is written streaming, so this bounds the work of one step, not memory.</summary>
    internal const int ArchiveChunk = 100_000;

    private static readonly JsonSerializerOptions ArchiveJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Moves the oldest events (a prefix of the chain, ending before the first event at or after <paramref name="olderThan"/>,
    /// and never the newest event, which carries the tail over restarts) into gzip files of JSON lines
    /// <c>audit-{first}-{last}.jsonl.gz</c>. The first line of a file is its header: first and last sequence, the hash the
    /// first event links to, the last hash, and the head signature over the last one. Each file is complete and flushed
    /// before its rows are deleted; a stop in between leaves rows both archived and live, which verification reads once.
    /// </summary>
    public async Task<IReadOnlyList<AuditArchiveResult>> ArchiveAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        await _archiving.WaitAsync(cancellationToken);
        try
        {
            var results = new List<AuditArchiveResult>();
            PrivateFiles.CreateOrRestrictFolder(_archiveFolder);
            using var connection = _db.Open();
            long lower, upper;
            using (var bounds = connection.CreateCommand())
            {
                bounds.CommandText = """
                    SELECT (SELECT MIN(sequence) FROM audit_events),
                           MIN((SELECT MAX(sequence) FROM audit_events) - 1,
                               COALESCE((SELECT MIN(sequence) FROM audit_events WHERE occurred_at >= $cutoff) - 1, (SELECT MAX(sequence) FROM audit_events)))
                    """;
                bounds.With("$cutoff", olderThan.ToUnixTimeMilliseconds());
                using var r = bounds.ExecuteReader();
                r.Read();
                if (r.IsDBNull(0))
                {
                    return results;
                }

                lower = r.GetInt64(0);
                upper = r.GetInt64(1);
            }

            // Rows already in an archive (a stop between the file and the delete) are deleted, not archived twice.
            var archived = ListArchives() is { Count: > 0 } existing ? existing[^1].Last : 0;
            if (archived >= lower)
            {
                DeleteArchived(connection, lower, Math.Min(archived, upper));
                lower = archived + 1;
            }

            for (var first = lower; first <= upper; first += ArchiveChunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var last = Math.Min(upper, first + ArchiveChunk - 1);
                results.Add(WriteArchive(connection, first, last));
                DeleteArchived(connection, first, last);
            }

            return results;
        }
        finally
        {
            _archiving.Release();
        }
    }

    private AuditArchiveResult WriteArchive(SqliteConnection connection, long first, long last)
    {
        var name = $"audit-{first.ToString("D19", CultureInfo.InvariantCulture)}-{last.ToString("D19", CultureInfo.InvariantCulture)}.jsonl.gz";
        var path = Path.Combine(_archiveFolder, name);
        var temporary = path + ".partial";
        string previous, lastHash;
        long count;
        // The header comes first but names the last hash: read the two ends (by key) before streaming the rows.
        using (var ends = connection.CreateCommand())
        {
            ends.CommandText = "SELECT (SELECT previous_hash FROM audit_events WHERE sequence = $first), (SELECT hash FROM audit_events WHERE sequence = $last), (SELECT COUNT(*) FROM audit_events WHERE sequence BETWEEN $first AND $last)";
            ends.With("$first", first);
            ends.With("$last", last);
            using var e = ends.ExecuteReader();
            e.Read();
            previous = e.GetString(0);
            lastHash = e.GetString(1);
            count = e.GetInt64(2);
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {Columns} FROM audit_events WHERE sequence BETWEEN $first AND $last ORDER BY sequence";
            command.With("$first", first);
            command.With("$last", last);
            using var reader = command.ExecuteReader();
            using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
            using (var lines = new StreamWriter(gzip, new UTF8Encoding(false), 1 << 16))
            {
                lines.WriteLine(JsonSerializer.Serialize(new ArchiveHeader(first, last, previous, lastHash, _chain.SignHead(last, lastHash), count), ArchiveJson));
                while (reader.Read())
                {
                    lines.WriteLine(JsonSerializer.Serialize(Read(reader), ArchiveJson));
                }
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return new AuditArchiveResult(name, first, last, previous, lastHash);
    }

    private void DeleteArchived(SqliteConnection connection, long first, long last)
    {
        // Write lock first, then the gate: the order the writer takes them in (its transaction, then the gate to commit).
        using var transaction = connection.BeginTransaction(deferred: false);
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM audit_events WHERE sequence BETWEEN $first AND $last";
        delete.With("$first", first);
        delete.With("$last", last);
        delete.ExecuteNonQuery();
        lock (_headGate)
        {
            transaction.Commit();
        }
    }

    private sealed record ArchiveHeader(long First, long Last, string PreviousHash, string LastHash, string Signature, long Count);

    private sealed record ArchiveFile(string Path, long First, long Last);

    /// <summary>The archive files in chain order, from their names.</summary>
    private List<ArchiveFile> ListArchives()
    {
        if (!Directory.Exists(_archiveFolder))
        {
            return [];
        }

        var files = new List<ArchiveFile>();
        foreach (var path in Directory.EnumerateFiles(_archiveFolder, "audit-*.jsonl.gz"))
        {
            var parts = Path.GetFileName(path)["audit-".Length..^".jsonl.gz".Length].Split('-');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                files.Add(new ArchiveFile(path, first, last));
            }
        }

        files.Sort((a, b) => a.First.CompareTo(b.First));
        return files;
    }

    /// <summary>The events of the archives, streamed in order (a file's header is skipped: the chain itself is what is checked).</summary>
    private static IEnumerable<AuditEvent> ReadArchives(IReadOnlyList<ArchiveFile> archives, CancellationToken cancellationToken)
    {
        foreach (var archive in archives)
        {
            using var file = File.OpenRead(archive.Path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var lines = new StreamReader(gzip, Encoding.UTF8);
            _ = lines.ReadLine();
            while (lines.ReadLine() is { } line)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return JsonSerializer.Deserialize<AuditEvent>(line, ArchiveJson)!;
            }
        }
    }

    private const string Columns =
        "sequence, id, occurred_at, actor_id, actor_name, actor_role, action, target, source_ip, outcome, detail, previous_hash, hash, trace_id";

    private static IEnumerable<AuditEvent> ReadAll(SqliteDataReader reader, CancellationToken cancellationToken)
    {
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Read(reader);
        }
    }

    private static AuditEvent Read(SqliteDataReader r) => new(
        r.GetInt64(0),
        Guid.Parse(r.GetString(1)),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
        r.GetStringOrNull(3),
        r.GetStringOrNull(4),
        r.GetStringOrNull(5),
        r.GetString(6),
        r.GetStringOrNull(7),
        r.GetStringOrNull(8),
        Enum.Parse<AuditOutcome>(r.GetString(9)),
        r.GetStringOrNull(10),
        r.GetString(11),
        r.GetString(12),
        r.GetStringOrNull(13));

    private void LoadTail()
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        if (reader.Read())
        {
            _lastSequence = reader.GetInt64(0);
            _lastHash = reader.GetString(1);
        }
    }

    /// <summary>
    /// The next batch signs a new head over the stored tail, which would hide events cut from the end while the portal
    /// was stopped; so a head that disagrees with the tail at start-up is logged, and that line is the record of it.
    /// </summary>
    private void WarnIfHeadDisagrees()
    {
        var head = ReadHead();
        if (_lastSequence == 0 ? head is not null && head.Sequence > 0 : head is null || head.Sequence != _lastSequence || !string.Equals(head.Hash, _lastHash, StringComparison.Ordinal))
        {
            _logger.LogError(
                "The audit log's signed head (event {HeadSequence}) does not match its newest stored event ({StoredSequence}): events were removed from the end or the head file was replaced or lost. The next audit event signs a new head over what is stored.",
                head?.Sequence, _lastSequence);
        }
    }

    private void Commit(WriteSession session, IReadOnlyList<Pending> batch, AuditEvent[] written)
    {
        var sequence = _lastSequence;
        var previous = _lastHash;
        // Millisecond precision: the stored form, so the hash recomputes exactly.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        using var transaction = session.Begin();
        var insert = session.Statement($"INSERT INTO audit_events ({Columns}) VALUES ($seq, $id, $at, $actor_id, $actor_name, $actor_role, $action, $target, $ip, $outcome, $detail, $prev, $hash, $trace)");
        foreach (var name in ParameterNames)
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        for (var n = 0; n < batch.Count; n++)
        {
            var (actor, entry) = batch[n];
            sequence++;
            var unhashed = new AuditEvent(sequence, Guid.CreateVersion7(now), now, actor.UserId, actor.Name, actor.Role,
                entry.Action, entry.Target, actor.SourceIp, entry.Outcome, entry.Detail, previous, "", entry.TraceId);
            var e = unhashed with { Hash = _chain.ComputeHash(unhashed) };
            object?[] values = [e.Sequence, e.Id.ToString(), e.OccurredAt.ToUnixTimeMilliseconds(), e.ActorId, e.ActorName, e.ActorRole,
                e.Action, e.Target, e.SourceIp, e.Outcome.ToString(), e.Detail, e.PreviousHash, e.Hash, e.TraceId];
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            insert.ExecuteNonQuery();
            written[n] = e;
            previous = e.Hash;
        }

        lock (_headGate)
        {
            transaction.Commit();
            WriteHead(new AuditHead(sequence, previous, _chain.SignHead(sequence, previous)));
        }

        _lastSequence = sequence;
        _lastHash = previous;
    }

    private static readonly string[] ParameterNames = ["$seq", "$id", "$at", "$actor_id", "$actor_name", "$actor_role", "$action", "$target", "$ip", "$outcome", "$detail", "$prev", "$hash", "$trace"];

    private void WriteHead(AuditHead head) =>
        PrivateFiles.WriteAtomically(_headPath, JsonSerializer.SerializeToUtf8Bytes(head), overwrite: true);

    private AuditHead? ReadHead() =>
        File.Exists(_headPath) ? JsonSerializer.Deserialize<AuditHead>(File.ReadAllText(_headPath)) : null;

    private sealed record Pending(Actor Actor, AuditEntry Entry);
}
