using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;

namespace Portal.Tests.Unit.Audit;

public sealed class SqliteAuditLogTests : IAsyncLifetime
{
    private static readonly Actor Alice = new("u-1", "alice@example.com", "Admin", null, "10.0.0.1");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-audit-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly byte[] _key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private SqliteAuditLog _log = default!;

    public ValueTask InitializeAsync()
    {
        _log = Open();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _log.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private string DbPath => Path.Combine(_folder, "audit.db");

    private SqliteAuditLog Open(byte[]? key = null) =>
        new(new SqliteDatabase(DbPath, EmbeddedSchemas.Audit), new AuditChain(key ?? _key), _clock, NullLogger<SqliteAuditLog>.Instance);

    private async Task AppendManyAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _log.AppendAsync(Alice, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success, $"user:{i}"));
            _clock.Advance(TimeSpan.FromSeconds(1));
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
    public async Task Append_records_actor_action_target_time_ip_and_outcome()
    {
        var written = await _log.AppendAsync(Alice, new AuditEntry(AuditActions.ApiKeyCreated, AuditOutcome.Success, "key_1", "name=ci"));

        var page = await _log.QueryAsync(new AuditQuery());
        var stored = page.Events.ShouldHaveSingleItem();
        stored.ShouldBe(written);
        stored.ActorId.ShouldBe("u-1");
        stored.ActorRole.ShouldBe("Admin");
        stored.Action.ShouldBe(AuditActions.ApiKeyCreated);
        stored.Target.ShouldBe("key_1");
        stored.SourceIp.ShouldBe("10.0.0.1");
        stored.Outcome.ShouldBe(AuditOutcome.Success);
        stored.OccurredAt.ShouldBe(_clock.GetUtcNow());
        stored.PreviousHash.ShouldBe(AuditChain.GenesisHash);
    }

    [Fact]
    public async Task Concurrent_appends_form_one_unbroken_chain()
    {
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            _log.AppendAsync(Alice with { UserId = $"u-{i}" }, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success))));

        var result = await _log.VerifyAsync();
        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(200);
        (await _log.QueryAsync(new AuditQuery(Limit: 1))).Total.ShouldBe(200);
    }

    [Fact]
    public async Task Verify_detects_a_changed_event()
    {
        await AppendManyAsync(5);
        Sql("UPDATE audit_events SET outcome = 'Failure' WHERE sequence = 3");

        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(3);
        result.Problem!.ShouldContain("changed");
    }

    [Fact]
    public async Task Verify_detects_an_event_removed_from_the_middle()
    {
        await AppendManyAsync(5);
        Sql("DELETE FROM audit_events WHERE sequence = 2");

        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(2);
    }

    [Fact]
    public async Task Verify_detects_events_removed_from_the_end()
    {
        await AppendManyAsync(5);
        Sql("DELETE FROM audit_events WHERE sequence >= 4");

        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeFalse();
        result.Problem!.ShouldContain("removed from the end");
    }

    private string HeadPath => Path.Combine(_folder, "audit.head.json");

    [Fact]
    public async Task Verify_reports_a_missing_head_when_events_exist()
    {
        await AppendManyAsync(5);
        // Cut the newest events and delete the head that would have shown it.
        Sql("DELETE FROM audit_events WHERE sequence >= 4");
        File.Delete(HeadPath);

        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeFalse();
        result.Problem!.ShouldContain("head of the log is missing");
    }

    [Fact]
    public async Task Verify_reports_a_head_older_than_the_log()
    {
        await AppendManyAsync(3);
        var olderHead = await File.ReadAllTextAsync(HeadPath);
        await AppendManyAsync(3);
        // Cut event 6 and put back the head of event 3, which an earlier copy of the head file holds.
        Sql("DELETE FROM audit_events WHERE sequence = 6");
        await File.WriteAllTextAsync(HeadPath, olderHead);

        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(4);
        result.Problem!.ShouldContain("older than the log");
    }

    [Fact]
    public async Task Start_up_logs_a_head_that_disagrees_with_the_stored_log()
    {
        await AppendManyAsync(5);
        await _log.DisposeAsync();
        Sql("DELETE FROM audit_events WHERE sequence >= 4");
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([new Portal.Tests.Infrastructure.CapturingLoggerProvider(logs)]);

        _log = new(new SqliteDatabase(DbPath, EmbeddedSchemas.Audit), new AuditChain(_key), _clock, new Microsoft.Extensions.Logging.Logger<SqliteAuditLog>(loggers));

        logs.ShouldContain(line => line.StartsWith("Error", StringComparison.Ordinal) && line.Contains("does not match its newest stored event"));
    }

    [Fact]
    public async Task An_empty_log_without_a_head_is_intact()
    {
        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(0);
    }

    [Fact]
    public async Task Verify_while_batches_commit_reports_no_false_tampering()
    {
        using var stop = new CancellationTokenSource();
        var appending = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _log.AppendAsync(Alice, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success))));
            }
        });

        for (var i = 0; i < 50; i++)
        {
            var result = await _log.VerifyAsync();
            result.IsIntact.ShouldBeTrue(result.Problem);
        }

        await stop.CancelAsync();
        await appending;
    }

    [Fact]
    public async Task Verify_detects_a_rehashed_chain_forged_without_the_key()
    {
        await AppendManyAsync(3);
        await _log.DisposeAsync();
        // An attacker with database access but a different key rewrites the chain consistently.
        File.Delete(Path.Combine(_folder, "audit.head.json"));
        Sql("DELETE FROM audit_events");
        _log = Open(key: new byte[32]);
        await AppendManyAsync(3);
        await _log.DisposeAsync();

        _log = Open();
        var result = await _log.VerifyAsync();

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(1);
    }

    [Fact]
    public async Task Chain_continues_across_restarts()
    {
        await AppendManyAsync(3);
        await _log.DisposeAsync();
        _log = Open();
        await AppendManyAsync(2);

        var result = await _log.VerifyAsync();
        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(5);
    }

    [Fact]
    public async Task Query_pages_newest_first_with_a_keyset_cursor_and_filters()
    {
        await AppendManyAsync(5);
        await _log.AppendAsync(Alice, new AuditEntry(AuditActions.SignOut, AuditOutcome.Success));

        var first = await _log.QueryAsync(new AuditQuery(Limit: 2));
        first.Events.Select(e => e.Sequence).ShouldBe([6L, 5L]);
        first.NextBeforeSequence.ShouldBe(5);
        var second = await _log.QueryAsync(new AuditQuery(Limit: 2, BeforeSequence: first.NextBeforeSequence));
        second.Events.Select(e => e.Sequence).ShouldBe([4L, 3L]);

        var signOuts = await _log.QueryAsync(new AuditQuery(Action: AuditActions.SignOut));
        signOuts.Events.ShouldHaveSingleItem().Sequence.ShouldBe(6);
        signOuts.Total.ShouldBe(1);
    }
}
