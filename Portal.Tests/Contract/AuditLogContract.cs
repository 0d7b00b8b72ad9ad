using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Audit;

namespace Portal.Tests.Contract;

/// <summary>
/// What every <see cref="IAuditLog"/> must do: the chain, its verification (naming the event that was edited or removed),
/// concurrent appends, keyset paging and every explorer filter. Each adapter's test class supplies one empty store per test
/// (<see cref="OpenAsync"/> opens a log over it, again after a "restart") and a way to tamper with it behind the log's back.
/// </summary>
public abstract class AuditLogContract : IAsyncDisposable
{
    protected static readonly Actor Alice = new("u-1", "alice@example.com", "Admin", null, "10.0.0.1");
    protected static readonly Actor Bob = new("u-2", "bob@example.com", "Compliance", null, "10.0.0.2");
    protected static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly List<IAuditLog> _opened = [];
    private IAuditLog? _log;

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A log over this test's store (the same store on every call), chained with <paramref name="key"/>.</summary>
    protected abstract Task<IAuditLog> OpenLogAsync(byte[] key);

    /// <summary>Changes the stored outcome of one event, as someone with write access to the store could.</summary>
    protected abstract Task ChangeOutcomeAsync(long sequence);

    /// <summary>Deletes one stored event.</summary>
    protected abstract Task DeleteEventAsync(long sequence);

    protected async Task<IAuditLog> OpenAsync(byte[]? key = null)
    {
        var log = await OpenLogAsync(key ?? Key);
        _opened.Add(log);
        return log;
    }

    protected async Task<IAuditLog> LogAsync() => _log ??= await OpenAsync();

    /// <summary>Closes a log (its pending writes flushed) as a restart would.</summary>
    protected async Task CloseAsync(IAuditLog log)
    {
        _opened.Remove(log);
        if (ReferenceEquals(log, _log))
        {
            _log = null;
        }

        switch (log)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var log in _opened.ToList())
        {
            await CloseAsync(log);
        }

        GC.SuppressFinalize(this);
    }

    protected async Task AppendManyAsync(int count, IAuditLog? log = null)
    {
        log ??= await LogAsync();
        for (var i = 0; i < count; i++)
        {
            await log.AppendAsync(Alice, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success, $"user:{i}"), Ct);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task Append_records_actor_action_target_time_ip_and_outcome()
    {
        var log = await LogAsync();
        var written = await log.AppendAsync(Alice, new AuditEntry(AuditActions.ApiKeyCreated, AuditOutcome.Success, "key_1", "name=ci"), Ct);

        var page = await log.QueryAsync(new AuditQuery(), Ct);
        var stored = page.Events.ShouldHaveSingleItem();
        stored.ShouldBe(written);
        stored.Sequence.ShouldBe(1);
        stored.ActorId.ShouldBe("u-1");
        stored.ActorName.ShouldBe("alice@example.com");
        stored.ActorRole.ShouldBe("Admin");
        stored.Action.ShouldBe(AuditActions.ApiKeyCreated);
        stored.Target.ShouldBe("key_1");
        stored.Detail.ShouldBe("name=ci");
        stored.SourceIp.ShouldBe("10.0.0.1");
        stored.Outcome.ShouldBe(AuditOutcome.Success);
        stored.OccurredAt.ShouldBe(Clock.GetUtcNow());
        stored.PreviousHash.ShouldBe(AuditChain.GenesisHash);
        page.Total.ShouldBe(1);
    }

    [Fact]
    public async Task An_anonymous_actor_round_trips_with_empty_fields()
    {
        var log = await LogAsync();
        var written = await log.AppendAsync(new Actor(null, null, null, null, null), new AuditEntry(AuditActions.AuthFailed, AuditOutcome.Denied), Ct);

        (await log.QueryAsync(new AuditQuery(), Ct)).Events.ShouldHaveSingleItem().ShouldBe(written);
        (await log.VerifyAsync(Ct)).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task Concurrent_appends_form_one_unbroken_chain()
    {
        var log = await LogAsync();
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            log.AppendAsync(Alice with { UserId = $"u-{i}" }, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success), Ct)));

        var result = await log.VerifyAsync(Ct);
        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(100);
        (await log.QueryAsync(new AuditQuery(Limit: 1), Ct)).Total.ShouldBe(100);
        var all = await log.QueryAsync(new AuditQuery(Limit: 200, CountTotal: false), Ct);
        all.Events.Select(e => e.ActorId).Distinct().Count().ShouldBe(100);
    }

    [Fact]
    public async Task Verify_names_the_changed_event()
    {
        var log = await LogAsync();
        await AppendManyAsync(5);
        await ChangeOutcomeAsync(3);

        var result = await log.VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(3);
        result.Problem!.ShouldContain("Event 3 was changed");
    }

    [Fact]
    public async Task Verify_detects_an_event_removed_from_the_middle()
    {
        var log = await LogAsync();
        await AppendManyAsync(5);
        await DeleteEventAsync(2);

        var result = await log.VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(2);
        result.Problem!.ShouldContain("Event 2 is missing");
    }

    [Fact]
    public async Task Verify_detects_events_removed_from_the_end()
    {
        var log = await LogAsync();
        await AppendManyAsync(5);
        await DeleteEventAsync(5);
        await DeleteEventAsync(4);

        var result = await log.VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(4);
        result.Problem!.ShouldContain("removed from the end");
    }

    [Fact]
    public async Task An_empty_log_is_intact()
    {
        var result = await (await LogAsync()).VerifyAsync(Ct);

        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(0);
    }

    [Fact]
    public async Task Verify_while_appending_reports_no_false_tampering()
    {
        var log = await LogAsync();
        await AppendManyAsync(3);
        using var stop = new CancellationTokenSource();
        var appending = Task.Run(async () =>
        {
            do
            {
                await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => log.AppendAsync(Alice, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success))));
            }
            while (!stop.IsCancellationRequested);
        }, Ct);

        for (var i = 0; i < 15; i++)
        {
            var result = await log.VerifyAsync(Ct);
            result.IsIntact.ShouldBeTrue(result.Problem);
        }

        await stop.CancelAsync();
        await appending;
        (await log.VerifyAsync(Ct)).EventsChecked.ShouldBeGreaterThan(12);
    }

    [Fact]
    public async Task Verify_detects_a_chain_written_with_another_key()
    {
        var forger = await OpenAsync(new byte[32]);
        await AppendManyAsync(3, forger);
        await CloseAsync(forger);

        var result = await (await OpenAsync()).VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(1);
    }

    [Fact]
    public async Task Chain_continues_across_restarts()
    {
        var first = await OpenAsync();
        await AppendManyAsync(3, first);
        await CloseAsync(first);
        var second = await OpenAsync();
        await AppendManyAsync(2, second);

        var result = await second.VerifyAsync(Ct);
        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(5);
    }

    [Fact]
    public async Task Query_pages_newest_first_and_oldest_first_with_keyset_cursors()
    {
        var log = await LogAsync();
        await AppendManyAsync(5);
        await log.AppendAsync(Alice, new AuditEntry(AuditActions.SignOut, AuditOutcome.Success), Ct);

        var first = await log.QueryAsync(new AuditQuery(Limit: 2), Ct);
        first.Events.Select(e => e.Sequence).ShouldBe([6L, 5L]);
        first.NextBeforeSequence.ShouldBe(5);
        var second = await log.QueryAsync(new AuditQuery(Limit: 2, BeforeSequence: first.NextBeforeSequence), Ct);
        second.Events.Select(e => e.Sequence).ShouldBe([4L, 3L]);
        var last = await log.QueryAsync(new AuditQuery(Limit: 2, BeforeSequence: 3), Ct);
        last.Events.Select(e => e.Sequence).ShouldBe([2L, 1L]);
        last.NextBeforeSequence.ShouldBeNull();

        var up = await log.QueryAsync(new AuditQuery(Limit: 4, Ascending: true, AfterSequence: 1), Ct);
        up.Events.Select(e => e.Sequence).ShouldBe([2L, 3L, 4L, 5L]);
        up.NextAfterSequence.ShouldBe(5);
        var skipped = await log.QueryAsync(new AuditQuery(Limit: 2, Skip: 2), Ct);
        skipped.Events.Select(e => e.Sequence).ShouldBe([4L, 3L]);
    }

    [Fact]
    public async Task Every_explorer_filter_selects_its_events()
    {
        var log = await LogAsync();
        var t0 = Clock.GetUtcNow();
        await log.AppendAsync(Alice, new AuditEntry(AuditActions.MerchantApproved, AuditOutcome.Success, "mer_1"), Ct); // 1
        Clock.Advance(TimeSpan.FromDays(2));
        await log.AppendAsync(Bob, new AuditEntry(AuditActions.KycDocumentViewed, AuditOutcome.Success, "mer_1/Passport"), Ct); // 2
        Clock.Advance(TimeSpan.FromDays(2));
        await log.AppendAsync(Alice, new AuditEntry(AuditActions.PaymentRefunded, AuditOutcome.Failure, "pay_9"), Ct); // 3
        Clock.Advance(TimeSpan.FromDays(2));
        await log.AppendAsync(Bob with { SourceIp = "192.0.2.7" }, new AuditEntry(AuditActions.KycDocumentRejected, AuditOutcome.Denied, "mer_2/Utility"), Ct); // 4
        await log.AppendAsync(Alice, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success, "user:u-1"), Ct); // 5

        async Task<long[]> Sequences(AuditQuery q)
        {
            var page = await log.QueryAsync(q, Ct);
            page.Total.ShouldBe(page.Events.Count, q.ToString());
            return [.. page.Events.Select(e => e.Sequence)];
        }

        (await Sequences(new AuditQuery(Action: AuditActions.PaymentRefunded))).ShouldBe([3L]);
        (await Sequences(new AuditQuery(ActionPrefix: "kyc."))).ShouldBe([4L, 2L]);
        (await Sequences(new AuditQuery(ActorId: "u-2"))).ShouldBe([4L, 2L]);
        (await Sequences(new AuditQuery(ActorId: "alice@example.com"))).ShouldBe([5L, 3L, 1L]);
        (await Sequences(new AuditQuery(ActorRole: "Compliance"))).ShouldBe([4L, 2L]);
        (await Sequences(new AuditQuery(Outcome: AuditOutcome.Failure))).ShouldBe([3L]);
        (await Sequences(new AuditQuery(SourceIp: "192.0.2.7"))).ShouldBe([4L]);
        (await Sequences(new AuditQuery(Target: "mer_1"))).ShouldBe([1L]);
        (await Sequences(new AuditQuery(TargetType: AuditTargets.Merchant))).ShouldBe([1L]);
        (await Sequences(new AuditQuery(TargetType: AuditTargets.Document))).ShouldBe([4L, 2L]);
        (await Sequences(new AuditQuery(TargetType: AuditTargets.Payment))).ShouldBe([3L]);
        (await Sequences(new AuditQuery(From: t0.AddDays(1), To: t0.AddDays(5)))).ShouldBe([3L, 2L]);
        (await Sequences(new AuditQuery(From: t0.AddDays(-100), To: t0.AddDays(100)))).ShouldBe([5L, 4L, 3L, 2L, 1L]);
        (await Sequences(new AuditQuery(ActionPrefix: "kyc.", ActorId: "u-2", Outcome: AuditOutcome.Denied, From: t0.AddDays(5)))).ShouldBe([4L]);
        (await Sequences(new AuditQuery(ActorId: "u-1", Action: AuditActions.KycDocumentViewed))).ShouldBeEmpty();
        (await Sequences(new AuditQuery(From: t0.AddDays(1), Ascending: true))).ShouldBe([2L, 3L, 4L, 5L]);
    }

    [Fact]
    public async Task Counts_by_action_cover_the_period_only()
    {
        var log = await LogAsync();
        var t0 = Clock.GetUtcNow();
        await AppendManyAsync(3);
        Clock.Advance(TimeSpan.FromDays(3));
        await log.AppendAsync(Bob, new AuditEntry(AuditActions.AuditExported, AuditOutcome.Success), Ct);
        await log.AppendAsync(Bob, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success), Ct);

        var all = await log.CountByActionAsync(t0, t0.AddDays(7), Ct);
        all[AuditActions.SignIn].ShouldBe(4);
        all[AuditActions.AuditExported].ShouldBe(1);
        all.Count.ShouldBe(2);
        var first = await log.CountByActionAsync(t0, t0.AddDays(1), Ct);
        first[AuditActions.SignIn].ShouldBe(3);
        first.ContainsKey(AuditActions.AuditExported).ShouldBeFalse();
    }

    [Fact]
    public async Task An_event_keeps_the_trace_id_it_was_made_in_is_found_by_it_and_the_chain_covers_it()
    {
        var log = await LogAsync();
        await log.AppendAsync(Alice, new AuditEntry("merchant.approve", AuditOutcome.Success, "merchant:mer_1"), Ct);
        string traceId;
        using (var request = new System.Diagnostics.Activity("request").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            traceId = request.TraceId.ToHexString();
            await log.AppendAsync(Bob, new AuditEntry("audit.read", AuditOutcome.Denied, "audit_log"), Ct);
        }

        var found = (await log.QueryAsync(new AuditQuery(TraceId: traceId), Ct)).Events.ShouldHaveSingleItem();

        found.TraceId.ShouldBe(traceId);
        found.ActorId.ShouldBe(Bob.UserId);
        (await log.QueryAsync(new AuditQuery(Limit: 10), Ct)).Events.Single(e => e.Action == "merchant.approve").TraceId.ShouldBeNull();
        (await log.VerifyAsync(Ct)).IsIntact.ShouldBeTrue();
        // The trace id is hashed: the same event with another trace id is another hash.
        var chain = new AuditChain(Key);
        chain.ComputeHash(found with { TraceId = "0123456789abcdef0123456789abcdef" }).ShouldNotBe(found.Hash);
        chain.ComputeHash(found).ShouldBe(found.Hash);
    }
}
