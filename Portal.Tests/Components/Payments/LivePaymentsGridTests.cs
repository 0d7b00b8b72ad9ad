using Bunit;
using Portal.Core;
using MudBlazor;
using Portal.Components.Payments;
using Portal.Core.Payments;

namespace Portal.Tests.Components.Payments;

/// <summary>The live grid of the transaction monitor and the merchant payments page, fed by <see cref="PaymentFeed"/>.</summary>
public sealed class LivePaymentsGridTests : PaymentsHarness
{
    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderGrid(bool adminView) => Render(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<LivePaymentsGrid>(1);
        b.AddComponentParameter(2, nameof(LivePaymentsGrid.AdminView), adminView);
        b.AddComponentParameter(3, nameof(LivePaymentsGrid.DetailBase), adminView ? "/admin/transactions" : "/payments");
        b.CloseComponent();
    });

    private static string[] RowIds(IRenderedComponent<Bunit.Rendering.ContainerFragment> grid) =>
        [.. grid.FindAll("[data-testid=payment-id]").Select(e => e.TextContent.Trim())];

    [Fact]
    public async Task Monitor_shows_a_new_payment_as_soon_as_the_feed_publishes_it()
    {
        var merchant = await ApprovedMerchantAsync("100001");
        var older = await PayAsync(merchant, 700);
        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => RowIds(grid).ShouldBe([older.DisplayId]));

        // Published from another thread, as the API's request thread would.
        var fresh = await Task.Run(() => PayAsync(merchant, 4200, SandboxProcessor.InsufficientFunds));

        grid.WaitForAssertion(() =>
        {
            RowIds(grid).ShouldBe([fresh.DisplayId, older.DisplayId]);
            var row = grid.FindAll("tr.portal-row-new").ShouldHaveSingleItem();
            row.TextContent.ShouldContain("$42.00");
            row.TextContent.ShouldContain("Failed");
            row.QuerySelector("[data-testid=payment-reason]")!.TextContent.ShouldBe("insufficient_funds");
        });
        grid.FindAll("[data-testid=payment-reason]").ShouldHaveSingleItem(); // a succeeded payment has no reason line
        grid.Find("[data-testid=live-indicator]").TextContent.ShouldBe("Live");
    }

    [Fact]
    public async Task New_payments_are_announced_in_one_polite_region_and_the_rows_are_not_live()
    {
        var merchant = await ApprovedMerchantAsync("100009");
        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));
        var region = grid.Find("[data-testid=live-announcer]");
        region.GetAttribute("role").ShouldBe("status");
        region.GetAttribute("aria-live").ShouldBe("polite");
        region.GetAttribute("aria-atomic").ShouldBe("true");
        region.TextContent.Trim().ShouldBeEmpty();

        await Task.Run(() => PayAsync(merchant, 1200));
        grid.WaitForAssertion(() => grid.Find("[data-testid=live-announcer]").TextContent.Trim().ShouldBe("1 new payment"));

        // A burst right after is coalesced: the rows update, the sentence waits for the interval (LiveAnnouncerTests covers the timing).
        for (var i = 0; i < 5; i++)
        {
            await Task.Run(() => PayAsync(merchant, 100 + i));
        }

        grid.WaitForAssertion(() => RowIds(grid).Length.ShouldBe(6));
        grid.Find("[data-testid=live-announcer]").TextContent.Trim().ShouldBe("1 new payment");
        grid.FindAll("[aria-live]").Count.ShouldBe(1);
        grid.Find("[data-testid=payments-grid]").GetAttribute("aria-live").ShouldBeNull();
    }

    [Fact]
    public async Task A_payment_changing_state_updates_its_row_instead_of_adding_one()
    {
        var merchant = await ApprovedMerchantAsync("100002");
        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));

        // Pending first (initiation publishes), then succeeded (the charge publishes again): one row, the final status.
        var payment = await PayAsync(merchant, 1999);

        grid.WaitForAssertion(() =>
        {
            RowIds(grid).ShouldBe([payment.DisplayId]);
            grid.Find("[data-testid=payment-status]").TextContent.Trim().ShouldBe("Succeeded");
        });
    }

    [Fact]
    public async Task Merchant_grid_never_shows_another_merchants_payment_from_the_feed()
    {
        var mine = await ApprovedMerchantAsync("100003");
        var other = await ApprovedMerchantAsync("100004");
        SignIn(mine);
        var grid = RenderGrid(adminView: false);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));

        await PayAsync(other, 5000);
        var own = await PayAsync(mine, 300);

        grid.WaitForAssertion(() => RowIds(grid).ShouldBe([own.DisplayId]));
    }

    [Fact]
    public async Task Paused_monitor_counts_new_payments_and_shows_them_on_resume()
    {
        var merchant = await ApprovedMerchantAsync("100005");
        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));

        await grid.Find("[data-testid=pause-toggle]").ClickAsync(new());
        var payment = await PayAsync(merchant, 800);

        grid.WaitForAssertion(() => grid.Find("[data-testid=paused-indicator]").TextContent.ShouldContain("1 new"));
        RowIds(grid).ShouldBeEmpty();

        await grid.Find("[data-testid=pause-toggle]").ClickAsync(new());
        grid.WaitForAssertion(() => RowIds(grid).ShouldBe([payment.DisplayId]));
    }

    [Fact]
    public async Task Older_pages_come_from_the_service_cursor()
    {
        var merchant = await ApprovedMerchantAsync("100006");
        var created = new List<Payment>();
        for (var i = 0; i < 23; i++)
        {
            created.Add(await PayAsync(merchant, 100 + i, customer: $"cus_{i}"));
        }

        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => RowIds(grid).Length.ShouldBe(20));

        await grid.Find("[data-testid=older-page]").ClickAsync(new());

        grid.WaitForAssertion(() => RowIds(grid).ShouldBe([.. created.Take(3).Reverse().Select(p => p.DisplayId)]));
        grid.Find("[data-testid=paused-indicator]").TextContent.ShouldContain("Older page");
    }

    [Fact]
    public async Task Grid_unsubscribes_from_the_live_views_when_disposed()
    {
        SignIn(Admin);
        HandlerCount().ShouldBe(0);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));
        HandlerCount().ShouldBe(1);

        await DisposeComponentsAsync();

        HandlerCount().ShouldBe(0);
    }

    private int HandlerCount() => Views.Count;

    private static Payment Fake(Actor merchant, int i) =>
        new(Guid.CreateVersion7(), merchant.MerchantId!.Value, 100 + i, "usd", "cus_fake", "pm_card_visa", null, null, null, null, new Dictionary<string, string>(), PaymentStatus.Succeeded,
            null, null, false, 0, [], "sandbox", null, 0, Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.AddTicks(i), DateTimeOffset.UtcNow, 1);

    [Fact]
    public async Task A_new_payment_renders_its_own_row_and_leaves_the_other_rows_alone()
    {
        var merchant = await ApprovedMerchantAsync("100007");
        for (var i = 0; i < 3; i++)
        {
            await PayAsync(merchant, 100 + i);
        }

        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => RowIds(grid).Length.ShouldBe(3));
        var before = grid.FindComponents<LivePaymentRow>().ToDictionary(r => r.Instance.Payment.Id, r => r.RenderCount);

        var fresh = await PayAsync(merchant, 999);

        grid.WaitForAssertion(() => RowIds(grid)[0].ShouldBe(fresh.DisplayId));
        foreach (var row in grid.FindComponents<LivePaymentRow>().Where(r => r.Instance.Payment.Id != fresh.Id))
        {
            row.RenderCount.ShouldBe(before[row.Instance.Payment.Id]); // untouched rows did not re-render
        }
    }

    [Fact]
    public async Task Merchant_grid_subscribes_to_its_own_scope_and_another_merchants_burst_costs_it_no_render()
    {
        var mine = await ApprovedMerchantAsync("100008");
        var other = await ApprovedMerchantAsync("100009");
        SignIn(mine);
        var grid = RenderGrid(adminView: false);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));
        Views.Count.ShouldBe(1);
        var renders = grid.RenderCount;
        var liveRenders = Metrics.Renders;

        for (var i = 0; i < 20; i++)
        {
            Feed.Publish(Fake(other, i));
        }

        await Task.Delay(600, Xunit.TestContext.Current.CancellationToken); // two update intervals
        grid.RenderCount.ShouldBe(renders);
        Metrics.Renders.ShouldBe(liveRenders);
        Metrics.UpdatesByMerchant.ContainsKey(mine.MerchantId!.Value).ShouldBeFalse();
        RowIds(grid).ShouldBeEmpty();

        var own = Fake(mine, 0);
        Feed.Publish(own);
        grid.WaitForAssertion(() => RowIds(grid).ShouldBe([own.DisplayId]));
        Metrics.UpdatesByMerchant[mine.MerchantId!.Value].ShouldBe(1);
    }

    [Fact]
    public async Task A_grid_that_fell_behind_says_it_is_catching_up_and_shows_the_newest_payments()
    {
        var merchant = await ApprovedMerchantAsync("100010");
        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));
        grid.Find("[data-testid=live-indicator]").TextContent.ShouldBe("Live");

        var burst = Enumerable.Range(0, 300).Select(i => Fake(merchant, i)).ToList();
        foreach (var payment in burst)
        {
            Feed.Publish(payment); // faster than any update interval: more than a buffer holds
        }

        grid.WaitForAssertion(() =>
        {
            grid.Find("[data-testid=catching-up-indicator]").TextContent.ShouldContain("new payments");
            RowIds(grid).Length.ShouldBe(LivePaymentsGrid.LiveLimit);
            RowIds(grid)[0].ShouldBe(burst[^1].DisplayId);
        });

        // Once nothing is dropped any more, the notice goes and "Live" is back, without another payment.
        grid.WaitForAssertion(() => grid.Find("[data-testid=live-indicator]").TextContent.ShouldBe("Live"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Grid_stops_its_subscription_while_the_client_is_away_and_jumps_to_the_newest_when_back()
    {
        var merchant = await ApprovedMerchantAsync("100011");
        SignIn(Admin);
        var grid = RenderGrid(adminView: true);
        grid.WaitForAssertion(() => grid.Find("[data-testid=no-payments]"));
        var circuit = Services.GetService<LiveCircuit>()!;
        Views.Count.ShouldBe(1);

        await grid.InvokeAsync(() => circuit.Set(false));
        grid.WaitForAssertion(() => Views.Count.ShouldBe(0));
        var missed = await PayAsync(merchant, 4100); // while away: no work for this circuit

        await grid.InvokeAsync(() => circuit.Set(true));

        grid.WaitForAssertion(() => RowIds(grid).ShouldBe([missed.DisplayId]));
        Views.Count.ShouldBe(1);
    }
}
