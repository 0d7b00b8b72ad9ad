using Bunit;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components.Layout;

namespace Portal.Tests.Components.Layout;

/// <summary>The drawer shows each role only what its policies allow.</summary>
public sealed class NavMenuTests : BunitContext
{
    public NavMenuTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private string[] NavLinksFor(params string[] policies)
    {
        var auth = AddAuthorization();
        if (policies.Length > 0)
        {
            auth.SetAuthorized("someone@test.local");
            auth.SetPolicies(policies);
        }

        var nav = Render<NavMenu>();
        return nav.FindAll("a").Select(a => a.GetAttribute("href")!).ToArray();
    }

    [Fact]
    public void Merchant_sees_onboarding_payments_disputes_and_developers()
    {
        var links = NavLinksFor(PortalPolicies.Merchant);

        links.ShouldBe(["/", "/onboarding", "/documents", "/payments", "/disputes", "/developers", "/account/mfa"]);
    }

    [Fact]
    public void Admin_sees_the_operations_pages_only()
    {
        var links = NavLinksFor(PortalPolicies.Admin, PortalPolicies.Staff);

        links.ShouldBe(["/", "/admin/kyc", "/admin/merchants", "/admin/transactions", "/admin/fraud", "/admin/fraud/lists", "/admin/fraud/rules", "/admin/disputes", "/admin/self-check", "/account/mfa"]);
    }

    [Fact]
    public void Compliance_sees_audit_log_and_reports_only()
    {
        var links = NavLinksFor(PortalPolicies.Compliance, PortalPolicies.Staff);

        links.ShouldBe(["/", "/compliance/audit", "/compliance/reports", "/account/mfa"]);
    }

    [Fact]
    public void Anonymous_visitors_see_no_role_pages()
    {
        var links = NavLinksFor();

        links.ShouldBe(["/"]);
    }
}
