using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;

namespace Portal.Tests.Unit.Audit;

/// <summary>Retention: events older than Audit:QueryableDays move to compressed archives that stay in the verified chain.</summary>
public sealed class AuditRetentionTests : IAsyncLifetime
{
    private static readonly Actor Alice = new("u-1", "alice@example.com", "Admin", null, "10.0.0.1");
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-audit-retention", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly byte[] _key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private SqliteAuditLog _log = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ArchiveFolder => Path.Combine(_folder, SqliteAuditLog.ArchiveFolderName);

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

    private SqliteAuditLog Open() =>
        new(new SqliteDatabase(Path.Combine(_folder, "audit.db"), EmbeddedSchemas.Audit), new AuditChain(_key), _clock, NullLogger<SqliteAuditLog>.Instance);

    /// <summary>One event a day for <paramref name="days"/> days.</summary>
    private async Task AppendDailyAsync(int days)
    {
        for (var i = 0; i < days; i++)
        {
            await _log.AppendAsync(Alice, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success, $"user:{i}"), Ct);
            _clock.Advance(TimeSpan.FromDays(1));
        }
    }

    private AuditArchiveJob Job(int queryableDays = 90) =>
        new(new AuditService(_log, _clock), _log, Options.Create(new AuditOptions { QueryableDays = queryableDays }), _clock, NullLogger<AuditArchiveJob>.Instance);

    [Fact]
    public async Task Events_older_than_the_queryable_days_move_to_an_archive_and_the_chain_still_verifies()
    {
        await AppendDailyAsync(200); // events 1..200 on days 0..199; now is day 200

        var written = await Job().RunOnceAsync(Ct);

        // Cut-off day 110: events on days 0..109 (sequences 1..110) are archived.
        var archive = written.ShouldHaveSingleItem();
        (archive.FirstSequence, archive.LastSequence).ShouldBe((1L, 110L));
        archive.PreviousHash.ShouldBe(AuditChain.GenesisHash);
        File.Exists(Path.Combine(ArchiveFolder, archive.Name)).ShouldBeTrue();
        var live = await _log.QueryAsync(new AuditQuery(Limit: 500, Action: AuditActions.SignIn), Ct);
        live.Events.Select(e => e.Sequence).Min().ShouldBe(111);
        live.Total.ShouldBe(90);
        var verification = await _log.VerifyAsync(Ct);
        verification.IsIntact.ShouldBeTrue(verification.Problem);
        verification.EventsChecked.ShouldBe(201); // 200 sign-ins and the archive event
        var archived = (await _log.QueryAsync(new AuditQuery(Action: AuditActions.AuditArchived), Ct)).Events.ShouldHaveSingleItem();
        archived.Detail!.ShouldContain("events=1..110");
        archived.ActorId.ShouldBe("system");
    }

    [Fact]
    public async Task Archiving_again_moves_only_newer_events_and_the_chain_continues_across_a_restart()
    {
        await AppendDailyAsync(120);
        (await Job().RunOnceAsync(Ct)).ShouldHaveSingleItem().LastSequence.ShouldBe(30);
        await AppendDailyAsync(30);
        (await Job().RunOnceAsync(Ct)).ShouldHaveSingleItem().FirstSequence.ShouldBe(31);
        (await Job().RunOnceAsync(Ct)).ShouldBeEmpty();

        await _log.DisposeAsync();
        _log = Open();
        await AppendDailyAsync(1);

        var verification = await _log.VerifyAsync(Ct);
        verification.IsIntact.ShouldBeTrue(verification.Problem);
        Directory.GetFiles(ArchiveFolder, "*.jsonl.gz").Length.ShouldBe(2);
    }

    [Fact]
    public async Task The_newest_event_is_never_archived()
    {
        await AppendDailyAsync(3);
        _clock.Advance(TimeSpan.FromDays(400));

        var written = await Job().RunOnceAsync(Ct);

        written.ShouldHaveSingleItem().LastSequence.ShouldBe(2);
        (await _log.VerifyAsync(Ct)).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task An_edited_archived_event_is_named_by_verification()
    {
        await AppendDailyAsync(100);
        var archive = (await Job().RunOnceAsync(Ct)).ShouldHaveSingleItem();
        var path = Path.Combine(ArchiveFolder, archive.Name);
        var lines = ReadLines(path);
        // Line 0 is the header; line 4 is event 4. Change its outcome as someone with file access could.
        lines[4] = lines[4].Replace("\"outcome\":0", "\"outcome\":1", StringComparison.Ordinal);
        WriteLines(path, lines);

        var verification = await _log.VerifyAsync(Ct);

        verification.IsIntact.ShouldBeFalse();
        verification.FirstBrokenSequence.ShouldBe(4);
        verification.Problem!.ShouldContain("Event 4 was changed");
    }

    [Fact]
    public async Task A_deleted_archive_is_reported_as_missing_events()
    {
        await AppendDailyAsync(100);
        var archive = (await Job().RunOnceAsync(Ct)).ShouldHaveSingleItem();
        File.Delete(Path.Combine(ArchiveFolder, archive.Name));

        var verification = await _log.VerifyAsync(Ct);

        verification.IsIntact.ShouldBeFalse();
        verification.FirstBrokenSequence.ShouldBe(1);
        verification.Problem!.ShouldContain("Event 1 is missing");
    }

    [Fact]
    public async Task The_job_runs_on_its_schedule()
    {
        await AppendDailyAsync(100);
        var job = new AuditArchiveJob(new AuditService(_log, _clock), _log, Options.Create(new AuditOptions { ArchiveEvery = TimeSpan.FromHours(6) }), _clock,
            NullLogger<AuditArchiveJob>.Instance);
        await job.StartAsync(Ct);
        try
        {
            (await _log.QueryAsync(new AuditQuery(Action: AuditActions.AuditArchived), Ct)).Total.ShouldBe(0);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            long archived = 0;
            while (archived == 0 && DateTime.UtcNow < deadline)
            {
                _clock.Advance(TimeSpan.FromHours(6));
                await Task.Delay(50, Ct);
                archived = (await _log.QueryAsync(new AuditQuery(Action: AuditActions.AuditArchived), Ct)).Total;
            }

            archived.ShouldBe(1);
        }
        finally
        {
            await job.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(364, false)]
    [InlineData(365, true)]
    [InlineData(730, true)]
    public void Retention_shorter_than_a_year_is_refused_at_start_up(int retainDays, bool valid)
    {
        var services = new ServiceCollection();
        services.AddOptions<AuditOptions>().Configure(o => o.RetainDays = retainDays).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptions<AuditOptions>>().Value;

        if (valid)
        {
            read().RetainDays.ShouldBe(retainDays);
        }
        else
        {
            Should.Throw<OptionsValidationException>(read).Message.ShouldContain("at least 365");
        }
    }

    private static List<string> ReadLines(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static void WriteLines(string path, List<string> lines)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        using var writer = new StreamWriter(gzip, new UTF8Encoding(false));
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }
}
