using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Read connections kept open with their statements prepared, for the hot point reads (an idempotency key, a customer
/// profile): a read binds and steps, it never parses SQL or opens a connection. WAL readers never wait for the writer, and a
/// statement's snapshot ends when its reader is disposed, so idle sessions do not hold checkpoints back. SQLite errors
/// surface as <see cref="StorageUnavailableException"/>.
/// </summary>
internal sealed class ReadSessions(SqliteDatabase db, string store) : IDisposable
{
    private readonly ConcurrentBag<Session> _idle = [];
    private readonly int _maxIdle = Environment.ProcessorCount * 4 + 8;
    private int _idleCount;
    private int _disposed;

    public T Read<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> read)
    {
        Session? session = null;
        try
        {
            session = Rent();
            var command = session.Statement(sql);
            bind(command);
            using var reader = command.ExecuteReader();
            var result = read(reader);
            Return(session);
            return result;
        }
        catch (SqliteException ex)
        {
            session?.Dispose();
            throw new StorageUnavailableException(store, ex);
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        while (_idle.TryTake(out var session))
        {
            session.Dispose();
        }
    }

    private Session Rent()
    {
        if (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }

        return new Session(db.OpenRead());
    }

    private void Return(Session session)
    {
        if (Volatile.Read(ref _disposed) == 1 || Interlocked.Increment(ref _idleCount) > _maxIdle)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                Interlocked.Decrement(ref _idleCount);
            }

            session.Dispose();
            return;
        }

        _idle.Add(session);
    }

    private sealed class Session(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);

        public SqliteCommand Statement(string sql)
        {
            if (_statements.TryGetValue(sql, out var command))
            {
                command.Parameters.Clear();
                return command;
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            _statements[sql] = command;
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _statements.Values)
            {
                command.Dispose();
            }

            connection.Dispose();
        }
    }
}
