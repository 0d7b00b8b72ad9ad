using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Payments;
using Portal.Core.Payments.Live;

namespace Portal.Tests.Unit.Payments;

/// <summary>Scoped, coalesced live views over the payment feed (<see cref="LivePaymentViews"/>), driven by a fake clock.</summary>
public sealed class LivePaymentViewsTests : IDisposable
{
    private static readonly Actor Admin = new("admin-1", "admin@portal.example", "Admin", null, "10.0.0.1");
    private static readonly Actor Compliance = new("comp-1", "comp@portal.example", "Compliance", null, "10.0.0.1");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly PaymentFeed _feed = new();
    private readonly LiveViewMetrics _metrics = new();
    private readonly LivePaymentViews _views;

    public LivePaymentViewsTests() => _views = new LivePaymentViews(_feed, _clock, Options.Create(new LiveViewOptions()), _metrics);

    public void Dispose()
    {
        _views.Dispose();
        _metrics.Dispose();
    }

    private static Actor MerchantUser(Guid merchant) => new("user-" + merchant, "m@shop.example", "Merchant", merchant, "10.0.0.9");

    private Payment NewPayment(Guid merchant, PaymentStatus status = PaymentStatus.Succeeded, long version = 1, string customer = "cus_1") =>
        new(Guid.CreateVersion7(), merchant, 1250, "usd", customer, "pm_card_visa", null, null, null, null, new Dictionary<string, string>(), status, null, null, false, 0, [], "sandbox", null, 0,
            Guid.NewGuid().ToString("N"), _clock.GetUtcNow(), _clock.GetUtcNow(), version);

    /// <summary>A viewer that records every update it gets.</summary>
    private sealed class Recorder
    {
        public ConcurrentQueue<LivePaymentUpdate> Updates { get; } = new();

        public Task OnUpdate(LivePaymentUpdate update)
        {
            Updates.Enqueue(update);
            return Task.CompletedTask;
        }

        public List<Payment> Rows => [.. Updates.SelectMany(u => u.Rows)];
    }

    [Fact]
    public void A_burst_is_coalesced_into_at_most_one_update_per_interval_holding_what_changed_since_the_last()
    {
        var merchant = Guid.CreateVersion7();
        var viewer = new Recorder();
        using var subscription = _views.Subscribe(Admin, LivePaymentFilter.None, viewer.OnUpdate).ShouldNotBeNull();
        var published = new List<Payment>();

        // 100 payments over one second, one every 10 ms.
        for (var i = 0; i < 100; i++)
        {
            var payment = NewPayment(merchant);
            published.Add(payment);
            _feed.Publish(payment);
            _clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        _clock.Advance(TimeSpan.FromSeconds(1));

        // Four a second at most (250 ms), plus the leading one: never one per payment.
        viewer.Updates.Count.ShouldBeInRange(4, 6);
        viewer.Updates.Sum(u => u.Changes).ShouldBe(100);
        viewer.Updates.Sum(u => u.NewPayments).ShouldBe(100);
        viewer.Updates.ShouldAllBe(u => !u.CatchingUp);
        viewer.Rows.Select(p => p.Id).Order().ShouldBe(published.Select(p => p.Id).Order()); // each payment exactly once
        var times = viewer.Updates.Select(u => u.At).ToList();
        for (var i = 1; i < times.Count; i++)
        {
            (times[i] - times[i - 1]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250));
        }

        // Within an update the newest comes first.
        foreach (var update in viewer.Updates)
        {
            update.Rows.Select(p => p.CreatedAt).ShouldBe(update.Rows.Select(p => p.CreatedAt).OrderDescending());
        }
    }

    [Fact]
    public void Nothing_is_delivered_on_the_publishers_thread_before_the_clock_moves()
    {
        var viewer = new Recorder();
        using var subscription = _views.Subscribe(Admin, LivePaymentFilter.None, viewer.OnUpdate).ShouldNotBeNull();

        _feed.Publish(NewPayment(Guid.CreateVersion7()));

        viewer.Updates.ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        viewer.Updates.ShouldHaveSingleItem().Rows.ShouldHaveSingleItem();
    }

    [Fact]
    public void Changes_of_one_payment_within_an_interval_arrive_as_its_newest_version_only()
    {
        var viewer = new Recorder();
        using var subscription = _views.Subscribe(Admin, LivePaymentFilter.None, viewer.OnUpdate).ShouldNotBeNull();
        var pending = NewPayment(Guid.CreateVersion7(), PaymentStatus.Pending);

        _feed.Publish(pending);
        _feed.Publish(pending with { Status = PaymentStatus.Succeeded, Version = 2 });
        _feed.Publish(pending); // a late repeat of the older version
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var update = viewer.Updates.ShouldHaveSingleItem();
        var row = update.Rows.ShouldHaveSingleItem();
        row.Version.ShouldBe(2);
        row.Status.ShouldBe(PaymentStatus.Succeeded);
        update.Changes.ShouldBe(3);
    }

    [Fact]
    public void A_viewer_that_fell_behind_is_told_it_is_catching_up_and_gets_the_newest_rows_not_the_backlog()
    {
        var viewer = new Recorder();
        using var subscription = _views.Subscribe(Admin, LivePaymentFilter.None, viewer.OnUpdate).ShouldNotBeNull();
        var merchant = Guid.CreateVersion7();
        var burst = new List<Payment>();
        for (var i = 0; i < 500; i++)
        {
            _clock.Advance(TimeSpan.FromTicks(10)); // distinct creation times, no timer due yet
            burst.Add(NewPayment(merchant));
        }

        foreach (var payment in burst)
        {
            _feed.Publish(payment);
        }

        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var update = viewer.Updates.ShouldHaveSingleItem();
        update.CatchingUp.ShouldBeTrue();
        update.Skipped.ShouldBe(450);
        update.Changes.ShouldBe(500);
        update.Rows.Count.ShouldBe(new LiveViewOptions().BufferCapacity);
        update.Rows.Select(p => p.Id).ShouldBe(burst.TakeLast(50).Reverse().Select(p => p.Id)); // the newest, newest first
        update.Rows[0].Id.ShouldBe(burst[^1].Id);

        // The next quiet update is live again.
        _clock.Advance(TimeSpan.FromSeconds(1));
        var last = NewPayment(merchant);
        _feed.Publish(last);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        viewer.Updates.Count.ShouldBe(2);
        viewer.Updates.Last().CatchingUp.ShouldBeFalse();
        viewer.Updates.Last().Rows.ShouldHaveSingleItem().Id.ShouldBe(last.Id);
    }

    [Fact]
    public void A_merchant_never_receives_another_merchants_payment_and_its_buffer_never_holds_one()
    {
        var mine = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();
        var viewer = new Recorder();
        using var subscription = _views.Subscribe(MerchantUser(mine), LivePaymentFilter.None, viewer.OnUpdate).ShouldNotBeNull();
        subscription.Scope.MerchantId.ShouldBe(mine);

        for (var i = 0; i < 200; i++)
        {
            _feed.Publish(NewPayment(other));
        }

        _clock.Advance(TimeSpan.FromSeconds(1));

        // Not even an empty update, a count or a catching-up flag: the other merchant's burst never reached this subscription.
        viewer.Updates.ShouldBeEmpty();
        subscription.Updates.ShouldBe(0);
        _metrics.UpdatesByMerchant.ContainsKey(mine).ShouldBeFalse();

        var own = NewPayment(mine);
        _feed.Publish(NewPayment(other));
        _feed.Publish(own);
        _feed.Publish(NewPayment(other));
        _clock.Advance(TimeSpan.FromSeconds(1));

        var update = viewer.Updates.ShouldHaveSingleItem();
        update.Rows.ShouldHaveSingleItem().Id.ShouldBe(own.Id);
        update.Changes.ShouldBe(1);
    }

    [Fact]
    public void The_scope_is_decided_from_the_actor_not_from_what_the_viewer_asks()
    {
        var mine = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();

        // A merchant naming another merchant gets nothing at all; naming itself (or nobody) gets its own.
        _views.Subscribe(MerchantUser(mine), new LivePaymentFilter(MerchantId: other), _ => Task.CompletedTask).ShouldBeNull();
        using (var own = _views.Subscribe(MerchantUser(mine), new LivePaymentFilter(MerchantId: mine), _ => Task.CompletedTask).ShouldNotBeNull())
        {
            own.Scope.MerchantId.ShouldBe(mine);
        }

        // A user without a merchant or a staff role sees nothing; a merchant role without a merchant id neither.
        _views.Subscribe(new Actor("u", "u@x", "Merchant", null, null), LivePaymentFilter.None, _ => Task.CompletedTask).ShouldBeNull();
        _views.Subscribe(new Actor("u", "u@x", null, null, null), LivePaymentFilter.None, _ => Task.CompletedTask).ShouldBeNull();
        _views.Subscribe(Actor.Anonymous, LivePaymentFilter.None, _ => Task.CompletedTask).ShouldBeNull();

        // Staff: everyone, or the merchant they filter on.
        using var all = _views.Subscribe(Compliance, LivePaymentFilter.None, _ => Task.CompletedTask).ShouldNotBeNull();
        all.Scope.MerchantId.ShouldBeNull();
        using var one = _views.Subscribe(Admin, new LivePaymentFilter(MerchantId: other), _ => Task.CompletedTask).ShouldNotBeNull();
        one.Scope.MerchantId.ShouldBe(other);
        _views.Count.ShouldBe(2);
    }

    [Fact]
    public void An_admin_filtering_on_one_merchant_and_a_status_gets_only_those_and_is_told_when_a_row_leaves_the_filter()
    {
        var watched = Guid.CreateVersion7();
        var viewer = new Recorder();
        using var subscription = _views.Subscribe(Admin, new LivePaymentFilter(MerchantId: watched, Status: PaymentStatus.Succeeded), viewer.OnUpdate).ShouldNotBeNull();
        var succeeded = NewPayment(watched);
        _feed.Publish(succeeded);
        _feed.Publish(NewPayment(watched, PaymentStatus.Failed));
        _feed.Publish(NewPayment(Guid.CreateVersion7()));
        _clock.Advance(TimeSpan.FromSeconds(1));
        viewer.Updates.ShouldHaveSingleItem().Rows.ShouldHaveSingleItem().Id.ShouldBe(succeeded.Id);

        _feed.Publish(succeeded with { Status = PaymentStatus.Refunded, Version = 2 });
        _clock.Advance(TimeSpan.FromSeconds(1));

        var left = viewer.Updates.Last();
        left.Rows.ShouldBeEmpty();
        left.Left.ShouldBe([succeeded.Id]);
    }

    [Fact]
    public async Task A_frozen_or_throwing_viewer_slows_neither_publishing_nor_the_other_viewers()
    {
        using var views = new LivePaymentViews(_feed, TimeProvider.System, Options.Create(new LiveViewOptions()), _metrics);
        using var release = new ManualResetEventSlim();
        var frozenCalls = 0;
        var healthy = new Recorder();
        var merchant = Guid.CreateVersion7();
        using var frozen = views.Subscribe(Admin, LivePaymentFilter.None, _ =>
        {
            Interlocked.Increment(ref frozenCalls);
            release.Wait(TimeSpan.FromSeconds(30)); // a viewer stuck on its own thread
            return Task.CompletedTask;
        }).ShouldNotBeNull();
        using var never = views.Subscribe(Admin, LivePaymentFilter.None, _ => new TaskCompletionSource().Task).ShouldNotBeNull(); // never acknowledges
        using var throwing = views.Subscribe(Admin, LivePaymentFilter.None, _ => throw new InvalidOperationException("viewer bug")).ShouldNotBeNull();
        using var ok = views.Subscribe(Admin, LivePaymentFilter.None, healthy.OnUpdate).ShouldNotBeNull();

        var first = NewPayment(merchant);
        _feed.Publish(first);
        await WaitUntilAsync(() => Volatile.Read(ref frozenCalls) == 1 && healthy.Rows.Any(p => p.Id == first.Id));

        // The frozen viewer holds one thread of its own; publishing 20,000 changes still costs only buffer writes.
        var watch = Stopwatch.StartNew();
        Payment last = first;
        for (var i = 0; i < 20_000; i++)
        {
            last = NewPayment(merchant);
            _feed.Publish(last);
        }

        watch.Stop();
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5)); // generous: buffer writes, never a wait on a viewer

        await WaitUntilAsync(() => healthy.Rows.Any(p => p.Id == last.Id));
        Volatile.Read(ref frozenCalls).ShouldBe(1); // never called again while stuck, and never twice at once
        never.Updates.ShouldBe(1);
        throwing.Failures.ShouldBeGreaterThan(0);
        _feed.Failures.ShouldBe(0);

        // Unfrozen, it jumps to the newest state instead of replaying 20,000 changes.
        release.Set();
        await WaitUntilAsync(() => frozen.Updates == 2);
        views.Count.ShouldBe(4);
    }

    [Fact]
    public void A_feed_sink_that_throws_never_fails_the_publisher_or_the_other_sinks()
    {
        var seen = 0;
        using var bad = _feed.Subscribe(_ => throw new InvalidOperationException("sink bug"));
        using var good = _feed.Subscribe(_ => seen++);

        Should.NotThrow(() => _feed.Publish(NewPayment(Guid.CreateVersion7())));
        Should.NotThrow(() => _feed.Publish(NewPayment(Guid.CreateVersion7())));

        seen.ShouldBe(2);
        _feed.Failures.ShouldBe(2);
    }

    [Fact]
    public void A_disposed_subscription_gets_nothing_more_and_leaves_the_index()
    {
        var viewer = new Recorder();
        var subscription = _views.Subscribe(Admin, LivePaymentFilter.None, viewer.OnUpdate).ShouldNotBeNull();
        _views.Count.ShouldBe(1);
        _metrics.Open.ShouldBe(1);
        _feed.Publish(NewPayment(Guid.CreateVersion7())); // buffered, timer pending

        subscription.Dispose();
        subscription.Dispose(); // idempotent
        _feed.Publish(NewPayment(Guid.CreateVersion7()));
        _clock.Advance(TimeSpan.FromSeconds(5));

        viewer.Updates.ShouldBeEmpty();
        _views.Count.ShouldBe(0);
        _metrics.Open.ShouldBe(0);
    }

    [Fact]
    public void Merchants_not_paying_cost_nothing_when_one_merchant_bursts()
    {
        var bursting = Guid.CreateVersion7();
        var quiet = Enumerable.Range(0, 99).Select(_ => Guid.CreateVersion7()).ToList();
        var viewers = quiet.Select(m => (Merchant: m, Viewer: new Recorder())).ToList();
        var subscriptions = viewers.Select(v => _views.Subscribe(MerchantUser(v.Merchant), LivePaymentFilter.None, v.Viewer.OnUpdate).ShouldNotBeNull()).ToList();
        var payer = new Recorder();
        subscriptions.Add(_views.Subscribe(MerchantUser(bursting), LivePaymentFilter.None, payer.OnUpdate).ShouldNotBeNull());

        for (var i = 0; i < 1000; i++)
        {
            _feed.Publish(NewPayment(bursting));
            _clock.Advance(TimeSpan.FromMilliseconds(2));
        }

        _clock.Advance(TimeSpan.FromSeconds(1));

        viewers.ShouldAllBe(v => v.Viewer.Updates.IsEmpty);
        _metrics.UpdatesByMerchant.Keys.ShouldBe([bursting]);
        payer.Updates.Count.ShouldBeInRange(8, 10); // 2 s of burst at four a second
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the condition never held"); // generous: a loaded machine
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
