using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// One SQLite file, private to the portal's user. Every connection gets WAL, a busy timeout and synchronous=FULL: each
/// commit syncs the WAL to disk before it returns, so an acknowledged write (a payment, its idempotency record, an
/// audit event) survives a power loss, not only a process kill. The hot writers (payments, audit) commit in batches,
/// so one sync is shared by every write in the batch.
/// Opening it brings its schema to the latest version (<see cref="SqliteMigrations"/>); a file from a newer release is
/// refused before anything writes to it.
/// </summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string path, SqliteSchema schema, ILogger? logger = null)
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
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }

        SqliteMigrations.Migrate(connection, path, schema, logger ?? NullLogger.Instance);
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
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
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// A pooled connection for reads only: no per-open PRAGMAs (a WAL reader never waits for the writer, and the
    /// synchronous and foreign-key settings only matter when writing), which keeps hot read paths to one statement.
    /// </summary>
    public SqliteConnection OpenRead()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
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
