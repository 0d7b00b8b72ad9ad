using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portal.Core.Adapters.Embedded;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Storage;

public sealed class SqliteMigrationsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-migrations", Guid.NewGuid().ToString("N"));

    private readonly List<SqliteDatabase> _opened = [];

    private string DbPath => Path.Combine(_folder, "test.db");

    private SqliteDatabase Open(SqliteSchema schema, ILogger? logger = null)
    {
        var db = new SqliteDatabase(DbPath, schema, logger);
        _opened.Add(db);
        return db;
    }

    /// <summary>Closes the pooled connections of every database this test opened (never ClearAllPools: other tests run alongside).</summary>
    private void CloseAll() => _opened.ForEach(db => db.CloseIdleConnections());

    // A test-only history: a table, then a backfill large enough to report its progress.
    private static SqliteSchema TwoSteps(Action<SqliteMigrationContext>? second = null) => new("test.db",
    [
        new(1, "items", s => s.Execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, label TEXT)")),
        new(2, "items backfill", second ?? Backfill),
    ]);

    private static void Backfill(SqliteMigrationContext schema)
    {
        const int Total = 1000;
        for (var i = 1; i <= Total; i++)
        {
            schema.Execute($"INSERT INTO items (id, label) VALUES ({i}, 'item {i}')");
            schema.ReportProgress(i, Total);
        }
    }

    private static long Scalar(SqliteDatabase db, string sql)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void A_new_file_gets_every_step_and_records_the_latest_version()
    {
        var db = Open(TwoSteps());

        Scalar(db, "PRAGMA user_version").ShouldBe(2);
        Scalar(db, "SELECT COUNT(*) FROM items").ShouldBe(1000);
    }

    [Fact]
    public void A_backfill_reports_its_progress_in_the_log_at_each_tenth()
    {
        var logs = new ConcurrentQueue<string>();
        var logger = new CapturingLoggerProvider(logs).CreateLogger(nameof(SqliteMigrationsTests));

        _ = Open(TwoSteps(), logger);

        var progress = logs.Where(l => l.Contains("items backfill", StringComparison.Ordinal) && l.Contains(" of 1000 ", StringComparison.Ordinal)).ToList();
        progress.Count.ShouldBe(11); // 0%, 10% ... 100%: one line per tenth, not one per row
        progress[0].ShouldContain("1 of 1000 (0%)");
        progress[1].ShouldContain("100 of 1000 (10%)");
        progress[^1].ShouldContain("1000 of 1000 (100%)");
        logs.ShouldContain(l => l.Contains("from schema version 1 to 2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_step_that_fails_leaves_the_file_at_the_previous_version_with_nothing_half_done()
    {
        var failing = TwoSteps(s =>
        {
            s.Execute("CREATE TABLE half_done (id INTEGER)");
            throw new InvalidOperationException("backfill failed");
        });

        Should.Throw<InvalidOperationException>(() => Open(failing)).Message.ShouldBe("backfill failed");

        var db = Open(new SqliteSchema("test.db", [TwoSteps().Steps[0]]));
        Scalar(db, "PRAGMA user_version").ShouldBe(1);
        Scalar(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'").ShouldBe(0);
        // The next start retries the step.
        Scalar(Open(TwoSteps()), "SELECT COUNT(*) FROM items").ShouldBe(1000);
    }

    [Fact]
    public void Steps_already_applied_are_not_run_again()
    {
        var runs = 0;
        var schema = TwoSteps(s => runs++);

        _ = Open(schema);
        _ = Open(schema);

        runs.ShouldBe(1);
    }

    [Fact]
    public void A_file_newer_than_the_code_is_refused_with_its_name_and_both_versions_and_is_not_changed()
    {
        var db = Open(TwoSteps());
        using (var connection = db.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA user_version = 3";
            command.ExecuteNonQuery();
        }

        CloseAll();
        File.Exists(DbPath + "-wal").ShouldBeFalse(); // the version is in the file itself, not pending in a WAL
        var before = File.ReadAllBytes(DbPath);

        var refused = Should.Throw<SchemaTooNewException>(() => Open(TwoSteps()));

        refused.Message.ShouldContain(DbPath);
        refused.Message.ShouldContain("schema version 3");
        refused.Message.ShouldContain("versions up to 2");
        CloseAll();
        File.ReadAllBytes(DbPath).ShouldBe(before);
    }

    [Fact]
    public void Steps_must_be_numbered_from_one_without_gaps()
    {
        Should.Throw<ArgumentException>(() => new SqliteSchema("test.db", [new(1, "a", _ => { }), new(3, "c", _ => { })]))
            .Message.ShouldContain("step 2 says 3");
    }

    public void Dispose()
    {
        CloseAll();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
