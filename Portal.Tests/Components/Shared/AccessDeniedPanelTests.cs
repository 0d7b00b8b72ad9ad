using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components.Shared;

namespace Portal.Tests.Components.Shared;

/// <summary>The denial names the real reason: the role, or a staff sign-in without a second factor, never the wrong one.</summary>
public sealed class AccessDeniedPanelTests : BunitContext
{
    public AccessDeniedPanelTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private IRenderedComponent<AccessDeniedPanel> Render(string role, bool mfa, bool mfaRequired = true)
    {
        Services.AddSingleton(Options.Create(new PortalAuthOptions { RequireStaffMfa = mfaRequired }));
        var auth = AddAuthorization();
        auth.SetAuthorized("someone@demo.local");
        auth.SetRoles(role);
        if (mfa)
        {
            auth.SetClaims(new Claim("amr", "mfa"));
        }

        return Render<AccessDeniedPanel>();
    }

    [Fact]
    public void Compliance_with_two_factor_on_an_admin_page_is_told_it_is_the_role()
    {
        var panel = Render(PortalRoles.Compliance, mfa: true);

        panel.Find("[data-testid=access-denied]").GetAttribute("data-reason").ShouldBe("role");
        panel.Markup.ShouldContain("not part of the Compliance role");
        panel.Markup.ShouldNotContain("two-factor");
    }

    [Fact]
    public void A_merchant_is_told_it_is_the_role()
    {
        var panel = Render(PortalRoles.Merchant, mfa: false);

        panel.Markup.ShouldContain("not part of the Merchant role");
        panel.Markup.ShouldNotContain("two-factor");
    }

    [Fact]
    public void Staff_without_a_second_factor_are_told_to_use_one()
    {
        var panel = Render(PortalRoles.Admin, mfa: false);

        panel.Find("[data-testid=access-denied]").GetAttribute("data-reason").ShouldBe("secondfactor");
        panel.Markup.ShouldContain("two-factor sign-in");
        panel.Find("a[href='/account/mfa']");
    }

    [Fact]
    public void Where_staff_two_factor_is_off_the_reason_is_the_role()
    {
        Render(PortalRoles.Admin, mfa: false, mfaRequired: false).Markup.ShouldContain("not part of the Admin role");
    }
}
