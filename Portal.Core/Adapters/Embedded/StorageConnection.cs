using System.Data;
using Microsoft.Data.Sqlite;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// A connection of the embedded stores whose commands translate SQLite's "cannot serve you now" errors (busy, locked,
/// I/O, full disk, cannot open, not a database, corrupt) into <see cref="StorageUnavailableException"/>, so no screen or
/// endpoint ever catches an engine exception. Constraint violations stay <see cref="SqliteException"/>: they are domain
/// outcomes (a taken CAC number) that the adapter itself turns into results. Programming errors (bad SQL) stay as they are.
/// </summary>
internal sealed class StorageConnection(string connectionString, string store) : SqliteConnection(connectionString)
{
    public override void Open()
    {
        try
        {
            base.Open();
        }
        catch (SqliteException ex) when (IsUnavailable(ex))
        {
            throw new StorageUnavailableException(store, ex);
        }
    }

    public override SqliteCommand CreateCommand()
    {
        using var template = base.CreateCommand(); // carries the connection's pending transaction
        return new StorageCommand(store) { Connection = this, CommandTimeout = template.CommandTimeout, Transaction = template.Transaction };
    }

    /// <summary>The SQLite primary result codes that mean the store cannot answer now, not that the request was wrong.</summary>
    internal static bool IsUnavailable(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) switch
    {
        5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 or 15 or 26 => true, // BUSY LOCKED NOMEM READONLY IOERR CORRUPT FULL CANTOPEN PROTOCOL NOTADB
        _ => false,
    };

    private sealed class StorageCommand(string store) : SqliteCommand
    {
        public override SqliteDataReader ExecuteReader(CommandBehavior behavior)
        {
            try
            {
                return base.ExecuteReader(behavior);
            }
            catch (SqliteException ex) when (IsUnavailable(ex))
            {
                throw new StorageUnavailableException(store, ex);
            }
        }

        public override async Task<SqliteDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            try
            {
                return await base.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (IsUnavailable(ex))
            {
                throw new StorageUnavailableException(store, ex);
            }
        }

        public override int ExecuteNonQuery()
        {
            try
            {
                return base.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (IsUnavailable(ex))
            {
                throw new StorageUnavailableException(store, ex);
            }
        }

        public override object? ExecuteScalar()
        {
            try
            {
                return base.ExecuteScalar();
            }
            catch (SqliteException ex) when (IsUnavailable(ex))
            {
                throw new StorageUnavailableException(store, ex);
            }
        }
    }
}
