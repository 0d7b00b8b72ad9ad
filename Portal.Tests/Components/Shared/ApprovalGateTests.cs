using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Auth;
using Portal.Components.Shared;
using Portal.Core;
using Portal.Core.Merchants;
using Portal.Tests.Components.Onboarding;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Shared;

/// <summary>Payments, disputes and API keys show one locked panel before approval, saying what unlocks them.</summary>
public sealed class ApprovalGateTests : MerchantScreensContext
{
    private readonly RenderFragment _dashboard = b => b.AddMarkupContent(0, "<div data-testid=\"dashboard\">payments</div>");

    private IRenderedComponent<ApprovalGate> RenderGate() =>
        Render<ApprovalGate>(p => p.Add(g => g.Feature, "Payments").Add(g => g.ChildContent, _dashboard));

    [Fact]
    public async Task Before_approval_the_feature_is_locked_and_the_panel_says_what_unlocks_it()
    {
        (await Merchants.SaveDraftAsync(Merchant, KybForms.Complete("173205"), null, Ct)).Succeeded.ShouldBeTrue();

        var gate = RenderGate();

        gate.WaitForElement("[data-testid=approval-locked]", Wait);
        gate.FindAll("[data-testid=dashboard]").ShouldBeEmpty();
        gate.Find("[data-testid=approval-locked] h2").TextContent.ShouldBe("Payments open once your business is approved");
        gate.Find("[data-testid=approval-next-step]").TextContent.ShouldBe(ApprovalGate.NextStep(MerchantStatus.Draft));
        gate.Find("[data-testid=approval-action]").GetAttribute("href").ShouldBe("/onboarding");
    }

    [Fact]
    public async Task Once_approved_the_feature_shows()
    {
        await KybForms.ApprovedAsync(Merchants, Merchant, new Actor("admin-g", "admin@portal.example", PortalRoles.Admin, null, null), "173206");

        var gate = RenderGate();

        gate.WaitForElement("[data-testid=dashboard]", Wait);
        gate.FindAll("[data-testid=approval-locked]").ShouldBeEmpty();
    }
}
