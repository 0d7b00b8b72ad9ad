using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// One forward-only step of a database's schema. <see cref="Apply"/> runs inside the transaction that also records
/// <see cref="Version"/> in the file (<c>PRAGMA user_version</c>): a step is applied whole or not at all.
/// </summary>
internal sealed record SqliteMigration(int Version, string Description, Action<SqliteMigrationContext> Apply);

/// <summary>What a step works with: its connection and transaction, and a progress report for long backfills.</summary>
internal sealed class SqliteMigrationContext(SqliteConnection connection, SqliteTransaction transaction, string file, SqliteMigration step, ILogger logger)
{
    private int _reportedTenths = -1;

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction Transaction { get; } = transaction;

    public void Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public object? Scalar(string sql)
    {
        using var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>
    /// A backfill calls this as it goes (rows done of rows to do); the log gets a line at each tenth, so an operator
    /// watching a slow start-up sees it move without a line per row.
    /// </summary>
    public void ReportProgress(long done, long total)
    {
        var tenths = total <= 0 ? 10 : (int)Math.Clamp(done * 10 / total, 0, 10);
        if (tenths == _reportedTenths)
        {
            return;
        }

        _reportedTenths = tenths;
        logger.LogInformation("Migrating {File} to schema version {Version} ({Description}): {Done} of {Total} ({Percent}%)",
            file, step.Version, step.Description, done, total, tenths * 10);
    }
}

/// <summary>The ordered steps of one database file; version N is the N-th step, so the latest is the count.</summary>
internal sealed class SqliteSchema
{
    public SqliteSchema(string fileName, IReadOnlyList<SqliteMigration> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Version != i + 1)
            {
                throw new ArgumentException($"The steps of {fileName} must be numbered 1, 2, 3... in order; step {i + 1} says {steps[i].Version}.", nameof(steps));
            }
        }

        FileName = fileName;
        Steps = steps;
    }

    public string FileName { get; }

    public IReadOnlyList<SqliteMigration> Steps { get; }

    public int Latest => Steps.Count;
}

/// <summary>
/// Brings a SQLite file to the latest version of its schema, one step per transaction, and refuses a file that a newer
/// release wrote (its version is higher than any this code knows) before anything writes to it.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>Reads the file's version without writing to it; throws if it is newer than <paramref name="schema"/>.</summary>
    public static void RefuseIfNewer(string path, SqliteSchema schema)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return;
        }

        var readOnly = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var connection = new SqliteConnection(readOnly);
        connection.Open();
        RefuseIfNewer(path, Version(connection, null), schema);
    }

    public static void Migrate(SqliteConnection connection, string path, SqliteSchema schema, ILogger logger)
    {
        foreach (var step in schema.Steps)
        {
            // IMMEDIATE (the default here): the version is read under the write lock, so two openers never apply a step twice.
            using var transaction = connection.BeginTransaction();
            var current = Version(connection, transaction);
            RefuseIfNewer(path, current, schema);
            if (current >= step.Version)
            {
                continue;
            }

            logger.LogInformation("Migrating {File} from schema version {From} to {Version}: {Description}", path, current, step.Version, step.Description);
            step.Apply(new SqliteMigrationContext(connection, transaction, path, step, logger));
            using var bump = connection.CreateCommand();
            bump.Transaction = transaction;
            bump.CommandText = $"PRAGMA user_version = {step.Version}"; // an integer of ours: PRAGMA takes no parameters
            bump.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    public static int Version(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void RefuseIfNewer(string path, int version, SqliteSchema schema)
    {
        if (version > schema.Latest)
        {
            throw new SchemaTooNewException(
                $"{path} has schema version {version}, but this release of the portal knows versions up to {schema.Latest}. " +
                "A newer release wrote it; the portal does not downgrade a data folder. Run that release again, or restore a " +
                "backup taken before the upgrade. The file was not opened for writing.");
        }
    }
}

/// <summary>A data file written by a newer release than this one: start-up stops rather than guess at its meaning.</summary>
public sealed class SchemaTooNewException(string message) : StartupRefusedException(message);
