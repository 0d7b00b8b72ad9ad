using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components;
using Portal.Components.Fraud;
using Portal.Tests.Unit.Fraud;

namespace Portal.Tests.Components.Fraud;

/// <summary>The fraud review queue page (<see cref="FraudReview"/>) over the real use cases and embedded stores.</summary>
public sealed class FraudReviewPageTests : BunitContext
{
    // Generous: the suite runs these beside browser tests on two busy cores.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly FraudReviewBed _bed = new();

    public FraudReviewPageTests()
    {
        Services.AddMudServices();
        _bed.AddTo(Services);
        Services.AddScoped<CircuitClient>();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized(FraudReviewBed.AdminA.Name!);
        auth.SetRoles(PortalRoles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, FraudReviewBed.AdminA.UserId!));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await _bed.DisposeAsync();
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderPage() => Render(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<FraudReview>(1);
        b.CloseComponent();
    });

    private static string[] CaseIds(IRenderedComponent<Bunit.Rendering.ContainerFragment> page) =>
        [.. page.FindAll("[data-testid=open-case]").Select(e => e.TextContent.Trim())];

    [Fact]
    public void An_empty_queue_says_there_is_nothing_to_review()
    {
        var page = RenderPage();

        page.WaitForAssertion(() => page.Find("[data-testid=empty-state]").TextContent.ShouldContain("Nothing to review"), Wait);
        page.FindAll("[data-testid=open-case]").ShouldBeEmpty();
        page.FindAll("[data-testid=queue-error]").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_queue_lists_held_payments_and_filters_by_score_and_assignee_on_the_server()
    {
        var merchant = await _bed.MerchantAsync("616161");
        var first = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(merchant, amount: 120));
        var second = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(merchant, amount: 480));
        await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminA, second.Id, Xunit.TestContext.Current.CancellationToken);

        var page = RenderPage();
        page.WaitForAssertion(() => CaseIds(page).ShouldBe([first.DisplayId, second.DisplayId]), Wait);
        page.Markup.ShouldContain("$4.80");
        page.FindAll("[data-testid=assignee]").Select(a => a.TextContent.Trim()).ShouldBe(["Unassigned", "ada@portal.example (you)"]);
        page.FindAll("[data-testid=sla-chip]").Count.ShouldBe(2);

        // Mine: only the claimed case.
        var assignee = page.FindComponents<MudSelect<Portal.Core.Merchants.QueueAssignee>>().Single();
        await page.InvokeAsync(() => assignee.Instance.ValueChanged.InvokeAsync(Portal.Core.Merchants.QueueAssignee.Assigned));
        page.WaitForAssertion(() => CaseIds(page).ShouldBe([second.DisplayId]), Wait);
        await page.InvokeAsync(() => assignee.Instance.ValueChanged.InvokeAsync(Portal.Core.Merchants.QueueAssignee.Anyone));

        // A score range that no case is in: the filtered empty state, not the "nothing to review" one.
        var minScore = page.FindComponents<MudNumericField<int?>>().First(f => f.Instance.Label == "Score from");
        await page.InvokeAsync(() => minScore.Instance.ValueChanged.InvokeAsync(75));
        page.WaitForAssertion(() =>
        {
            CaseIds(page).ShouldBeEmpty();
            page.Find("[data-testid=empty-state]").TextContent.ShouldContain("No cases match these filters");
        }, Wait);
    }

    [Fact]
    public async Task A_claim_of_a_case_another_admin_took_meanwhile_shows_who_holds_it()
    {
        var merchant = await _bed.MerchantAsync("626262");
        var fraudCase = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(merchant));
        var page = RenderPage();
        page.WaitForAssertion(() => CaseIds(page).ShouldBe([fraudCase.DisplayId]), Wait);

        await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminB, fraudCase.Id, Xunit.TestContext.Current.CancellationToken);
        await page.Find("[data-testid=assign-to-me]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        page.WaitForAssertion(() => page.Find("[data-testid=queue-conflict]").TextContent.ShouldContain("bo@portal.example is working this case"), Wait);
        page.WaitForAssertion(() => page.Find("[data-testid=assignee]").TextContent.Trim().ShouldBe("bo@portal.example"), Wait);
    }

    [Fact]
    public async Task The_app_bar_bell_counts_a_new_alert_and_lists_it_with_a_link_to_its_case()
    {
        var merchant = await _bed.MerchantAsync("646464");
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var bell = Render<FraudAlertsBell>();
        bell.WaitForAssertion(() => _bed.Alerts.Count.ShouldBe(1), Wait);

        var held = await Task.Run(() => _bed.HeldPaymentAsync(merchant), Xunit.TestContext.Current.CancellationToken);

        var fraudCase = await _bed.CaseOfAsync(held);
        bell.WaitForAssertion(() => bell.Find("[data-testid=fraud-alert-count] .mud-badge").TextContent.Trim().ShouldBe("1"), Wait);
        bell.Find("button").GetAttribute("aria-label").ShouldBe("Fraud alerts (1 new)");
        _bed.Alerts.Recent(FraudReviewBed.AdminA).ShouldHaveSingleItem().Link.ShouldBe($"/admin/fraud/{fraudCase.DisplayId}");
    }

    [Fact]
    public async Task A_payment_held_while_the_page_is_open_appears_without_a_reload()
    {
        var merchant = await _bed.MerchantAsync("636363");
        var page = RenderPage();
        page.WaitForAssertion(() => page.Find("[data-testid=empty-state]"), Wait);

        var held = await Task.Run(() => _bed.HeldPaymentAsync(merchant), Xunit.TestContext.Current.CancellationToken);

        var fraudCase = await _bed.CaseOfAsync(held);
        page.WaitForAssertion(() => CaseIds(page).ShouldBe([fraudCase.DisplayId]), Wait);
    }
}
