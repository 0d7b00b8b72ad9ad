using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// One SQLite file, private to the portal's user. Every connection gets WAL, a busy timeout and synchronous=FULL: each
/// commit syncs the WAL to disk before it returns, so an acknowledged write (a payment, its idempotency record, an
/// audit event) survives a power loss, not only a process kill. The hot writers (payments, audit) commit in batches,
/// so one sync is shared by every write in the batch.
/// Its connections translate SQLite's unavailability errors into <see cref="StorageUnavailableException"/> (<see cref="StorageConnection"/>).
/// Opening it brings its schema to the latest version (<see cref="SqliteMigrations"/>); a file from a newer release is
/// refused before anything writes to it.
/// </summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionString;

    private readonly string _store;

    /// <param name="path">The file.</param>
    /// <param name="schema">Its tables, brought to the latest version on open.</param>
    /// <param name="logger">Migration progress.</param>
    /// <param name="busyTimeout">How long a statement waits for a lock before the store counts as unavailable (tests shorten it).</param>
    public SqliteDatabase(string path, SqliteSchema schema, ILogger? logger = null, TimeSpan? busyTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        SqliteMigrations.RefuseIfNewer(path, schema);
        PrivateFiles.CreateFolder(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        PrivateFiles.EnsureExists(path);
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling((busyTimeout ?? TimeSpan.FromSeconds(30)).TotalSeconds),
        }.ToString();
        _store = System.IO.Path.GetFileNameWithoutExtension(path);
        _busyPragma = $"PRAGMA busy_timeout={(int)(busyTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds}; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        using var connection = Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }

        SqliteMigrations.Migrate(connection, path, schema, logger ?? NullLogger.Instance);
    }

    private readonly string _busyPragma;

    public string Path { get; }

    private StorageConnection Create() => new StorageConnection(_connectionString, _store);

    public SqliteConnection Open()
    {
        var connection = Create();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = _busyPragma;
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Closes this file's idle pooled connections, so the last one folds the WAL into the file. Only this file's pool:
    /// <c>SqliteConnection.ClearAllPools</c> would close every other database's connections in the process too.
    /// </summary>
    public void CloseIdleConnections()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = Create();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _busyPragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// A pooled connection for reads only: no per-open PRAGMAs (a WAL reader never waits for the writer, and the
    /// synchronous and foreign-key settings only matter when writing), which keeps hot read paths to one statement.
    /// </summary>
    public SqliteConnection OpenRead()
    {
        var connection = Create();
        connection.Open();
        return connection;
    }

    public async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = Create();
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

internal static class SqliteExtensions
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? GetInt64OrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
