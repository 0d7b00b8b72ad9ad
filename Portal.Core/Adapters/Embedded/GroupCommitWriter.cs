using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Adapters.Embedded;

/// <summary>Limits of one <see cref="GroupCommitWriter{TWork, TResult}"/>.</summary>
internal sealed record GroupCommitOptions
{
    /// <summary>Writes waiting for the writer at most; one more is refused with <see cref="StorageBusyException"/> (the API's 503).</summary>
    public int Capacity { get; init; } = 8192;

    /// <summary>Writes committed together at most (one transaction, one sync).</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>What a refused caller is told to wait (the API's Retry-After).</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the checkpointer folds the WAL into the database file (passive: it never blocks the writer).</summary>
    public TimeSpan CheckpointEvery { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// The one writer of a SQLite file's hot tables (payments, audit events, merchant registration): callers queue work, a
/// dedicated thread takes up to <see cref="GroupCommitOptions.MaxBatch"/> queued items, hands them to the store's commit
/// function inside one session (connection and statements prepared once, reused for every batch) and answers each caller
/// only after the batch's transaction is durable (WAL, synchronous=FULL: one sync per batch, survives a power loss).
/// <list type="bullet">
/// <item>The queue is bounded: when it is full the caller gets <see cref="StorageBusyException"/> at once, never unbounded memory.</item>
/// <item>A batch that fails reaches every caller in it as <see cref="StorageUnavailableException"/> (SQLite and I/O errors);
/// the session is reopened for the next batch.</item>
/// <item>Checkpoints are the writer's business, not chance: automatic checkpoints are off on the writer's connection (they ran
/// inside a commit and stalled p99), and a second thread runs passive checkpoints while writes arrive.</item>
/// <item>The writer runs on its own thread, so its syncs never hold a thread-pool thread the request pipeline needs.</item>
/// </list>
/// </summary>
internal sealed class GroupCommitWriter<TWork, TResult> : IAsyncDisposable
{
    private readonly string _store;
    private readonly SqliteDatabase _db;
    private readonly Action<WriteSession, IReadOnlyList<TWork>, TResult[]> _commit;
    private readonly Action<WriteSession>? _betweenBatches;
    private readonly Action<Exception>? _failed;
    private readonly ILogger _logger;
    private readonly GroupCommitOptions _options;
    private readonly Channel<Pending> _queue;
    private readonly Thread _writer;
    private readonly Thread _checkpointer;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _stopping = new(false);
    private readonly ManualResetEventSlim _released = new(true);
    private long _committedBatches;
    private int _started;
    private int _disposed;

    /// <param name="store">The store's name in errors and logs ("payments", "audit").</param>
    /// <param name="db">The file written.</param>
    /// <param name="commit">Writes one batch in the session (opening and committing its transaction) and fills one result per item.
    /// It may throw: every item of the batch then fails with the exception.</param>
    /// <param name="logger">Failed batches are logged here.</param>
    /// <param name="options">Queue and batch limits; the defaults when null.</param>
    /// <param name="betweenBatches">Small upkeep after a batch (expired keys), outside the batch's transaction.</param>
    /// <param name="failed">Called on the writer thread after a failed batch (the audit log reloads its chain tail).</param>
    public GroupCommitWriter(
        string store,
        SqliteDatabase db,
        Action<WriteSession, IReadOnlyList<TWork>, TResult[]> commit,
        ILogger logger,
        GroupCommitOptions? options = null,
        Action<WriteSession>? betweenBatches = null,
        Action<Exception>? failed = null)
    {
        _store = store;
        _db = db;
        _commit = commit;
        _logger = logger;
        _betweenBatches = betweenBatches;
        _failed = failed;
        _options = options ?? new GroupCommitOptions();
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Math.Max(1, _options.Capacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = $"{store} writer" };
        _checkpointer = new Thread(CheckpointLoop) { IsBackground = true, Name = $"{store} checkpointer" };
    }

    /// <summary>Writes queued and not yet taken by the writer.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>
    /// Queues one write and completes when its batch is durable. Once queued the write happens even if the caller stops
    /// waiting. Throws <see cref="StorageBusyException"/> at once when the queue is full.
    /// </summary>
    public Task<TResult> WriteAsync(TWork work, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            // Threads start with the first write: a store that is only read (many in tests) costs none.
            _writer.Start();
            _checkpointer.Start();
        }

        var pending = new Pending(work);
        if (!_queue.Writer.TryWrite(pending))
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                throw new StorageUnavailableException(_store, new ObjectDisposedException($"{_store} writer"));
            }

            throw new StorageBusyException(_store, _options.RetryAfter);
        }

        return cancellationToken.CanBeCanceled ? pending.Task.WaitAsync(cancellationToken) : pending.Task;
    }

    /// <summary>
    /// Test seam: the writer takes nothing from the queue until the returned handle is disposed, so a test can fill the
    /// queue (or hold writes in flight) deterministically.
    /// </summary>
    internal IDisposable Hold()
    {
        _released.Reset();
        return new Release(_released);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _released.Set();
        _queue.Writer.TryComplete();
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            await _writerDone.Task.ConfigureAwait(false);
            _stopping.Set();
            await Task.Run(() => _checkpointer.Join()).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void WriteLoop()
    {
        var batch = new List<TWork>(_options.MaxBatch);
        var waiting = new List<Pending>(_options.MaxBatch);
        WriteSession? session = null;
        try
        {
            while (WaitToRead())
            {
                _released.Wait();
                batch.Clear();
                waiting.Clear();
                while (waiting.Count < _options.MaxBatch && _queue.Reader.TryRead(out var item))
                {
                    waiting.Add(item);
                    batch.Add(item.Work);
                }

                if (waiting.Count == 0)
                {
                    continue;
                }

                var results = new TResult[waiting.Count];
                try
                {
                    session ??= new WriteSession(_db);
                    _commit(session, batch, results);
                    Interlocked.Increment(ref _committedBatches);
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "A {Store} batch of {Count} writes could not be committed", _store, waiting.Count);
                    var reported = ex is SqliteException or IOException or UnauthorizedAccessException ? new StorageUnavailableException(_store, ex) : ex;
                    foreach (var item in waiting)
                    {
                        item.TrySetException(reported);
                    }

                    session?.Dispose(); // rolls back whatever the batch left open; the next batch opens a fresh session
                    session = null;
                    Upkeep(() => _failed?.Invoke(ex));
                    continue;
                }

                for (var i = 0; i < waiting.Count; i++)
                {
                    waiting[i].TrySetResult(results[i]);
                }

                if (_betweenBatches is not null)
                {
                    Upkeep(() => _betweenBatches(session));
                }
            }
        }
        finally
        {
            session?.Dispose();
            _writerDone.TrySetResult();
        }
    }

    private bool WaitToRead()
    {
        var wait = _queue.Reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private void Upkeep(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is StorageUnavailableException or SqliteException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "{Store} writer upkeep failed; it is tried again after a later batch", _store);
        }
    }

    private void CheckpointLoop()
    {
        SqliteConnection? connection = null;
        long checkpointed = 0;
        try
        {
            while (!_stopping.Wait(_options.CheckpointEvery))
            {
                var committed = Interlocked.Read(ref _committedBatches);
                if (committed == checkpointed)
                {
                    continue;
                }

                try
                {
                    connection ??= _db.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                    command.ExecuteNonQuery();
                    checkpointed = committed;
                }
                catch (Exception ex) when (ex is StorageUnavailableException or SqliteException or IOException)
                {
                    // A thread of its own: nothing may escape it (an unhandled exception would end the process).
                    _logger.LogWarning(ex, "{Store} checkpoint failed; retried later", _store);
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private sealed class Pending(TWork work) : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public TWork Work { get; } = work;
    }

    private sealed class Release(ManualResetEventSlim released) : IDisposable
    {
        public void Dispose() => released.Set();
    }
}

/// <summary>
/// The writer's connection and its statements: each SQL text is prepared once and reused for every later write (binding
/// new values only), which takes statement parsing off every write.
/// </summary>
internal sealed class WriteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private SqliteTransaction? _transaction;

    public WriteSession(SqliteDatabase db)
    {
        Connection = db.Open();
        using var pragma = Connection.CreateCommand();
        // A 32 MB page cache (the default is 2 MB): the hot tables' indexes have random keys (customer, idempotency key), so
        // with the default every insert re-read index pages from the OS on the thread every write waits for.
        pragma.CommandText = "PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-32768;";
        pragma.ExecuteNonQuery();
    }

    public SqliteConnection Connection { get; }

    /// <summary>Begins the batch's transaction; statements taken from <see cref="Statement"/> join it.</summary>
    public SqliteTransaction Begin()
    {
        _transaction = Connection.BeginTransaction();
        return _transaction;
    }

    /// <summary>The prepared statement for <paramref name="sql"/>, parameters cleared, in the current transaction. Do not dispose it.</summary>
    public SqliteCommand Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _statements[sql] = command;
        }
        else
        {
            command.Parameters.Clear();
        }

        command.Transaction = _transaction?.Connection is null ? null : _transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _statements.Values)
        {
            command.Dispose();
        }

        _statements.Clear();
        _transaction?.Dispose();
        Connection.Dispose();
    }
}

/// <summary>The embedded writers' limits, from the <c>Storage</c> section (validated at start-up).</summary>
public sealed class EmbeddedWriterOptions
{
    public const string Section = "Storage";

    /// <summary>Writes a hot store (payments, audit, merchants) queues at most before it answers 503 with Retry-After.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int WriteQueueCapacity { get; set; } = 8192;

    /// <summary>The Retry-After a refused write is answered with, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 60)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>How long a statement waits for a lock before its store counts as unavailable (503); unset: 5 s for writes, 30 s in all.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 600)]
    public int? BusyTimeoutSeconds { get; set; }

    internal GroupCommitOptions ToWriter() => new() { Capacity = WriteQueueCapacity, RetryAfter = TimeSpan.FromSeconds(RetryAfterSeconds) };
}
