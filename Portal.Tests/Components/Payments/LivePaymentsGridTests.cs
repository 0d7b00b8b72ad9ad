using Bunit;
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
}
