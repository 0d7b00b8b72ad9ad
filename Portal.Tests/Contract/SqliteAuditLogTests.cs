using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;

namespace Portal.Tests.Contract;

/// <summary>The contract against SQLite, and what only this adapter has: the signed head kept in a file beside the database.</summary>
public sealed class SqliteAuditLogTests : AuditLogContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-audit-tests", Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_folder, "audit.db");

    private string HeadPath => Path.Combine(_folder, "audit.head.json");

    protected override Task<IAuditLog> OpenLogAsync(byte[] key) =>
        Task.FromResult<IAuditLog>(new SqliteAuditLog(new SqliteDatabase(DbPath, EmbeddedSchemas.Audit), new AuditChain(key), Clock, NullLogger<SqliteAuditLog>.Instance));

    protected override Task ChangeOutcomeAsync(long sequence)
    {
        Sql($"UPDATE audit_events SET outcome = 'Failure' WHERE sequence = {sequence}");
        return Task.CompletedTask;
    }

    protected override Task DeleteEventAsync(long sequence)
    {
        Sql($"DELETE FROM audit_events WHERE sequence = {sequence}");
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery().ShouldBeGreaterThan(0, sql);
    }

    [Fact]
    public async Task Verify_reports_a_missing_head_when_events_exist()
    {
        var log = await LogAsync();
        await AppendManyAsync(5);
        // Cut the newest events and delete the head that would have shown it.
        Sql("DELETE FROM audit_events WHERE sequence >= 4");
        File.Delete(HeadPath);

        var result = await log.VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.Problem!.ShouldContain("head of the log is missing");
    }

    [Fact]
    public async Task Verify_reports_a_head_older_than_the_log()
    {
        var log = await LogAsync();
        await AppendManyAsync(3);
        var olderHead = await File.ReadAllTextAsync(HeadPath, Ct);
        await AppendManyAsync(3);
        // Cut event 6 and put back the head of event 3, which an earlier copy of the head file holds.
        Sql("DELETE FROM audit_events WHERE sequence = 6");
        await File.WriteAllTextAsync(HeadPath, olderHead, Ct);

        var result = await log.VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(4);
        result.Problem!.ShouldContain("older than the log");
    }

    [Fact]
    public async Task Start_up_logs_a_head_that_disagrees_with_the_stored_log()
    {
        var log = await LogAsync();
        await AppendManyAsync(5);
        await CloseAsync(log);
        Sql("DELETE FROM audit_events WHERE sequence >= 4");
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([new Portal.Tests.Infrastructure.CapturingLoggerProvider(logs)]);

        await using var reopened = new SqliteAuditLog(new SqliteDatabase(DbPath, EmbeddedSchemas.Audit), new AuditChain(Key), Clock, new Microsoft.Extensions.Logging.Logger<SqliteAuditLog>(loggers));

        logs.ShouldContain(line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains("does not match its newest stored event"));
    }
}
