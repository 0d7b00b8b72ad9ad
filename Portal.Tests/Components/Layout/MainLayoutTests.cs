using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components.Layout;

namespace Portal.Tests.Components.Layout;

public sealed class MainLayoutTests : BunitContext
{
    public MainLayoutTests()
    {
        Services.AddMudServices();
        Services.AddSingleton<Portal.Core.Fraud.Review.FraudAlertHub>(); // the admin's app-bar alerts
        Services.AddScoped<Portal.Components.CircuitClient>();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private IRenderedComponent<MainLayout> RenderAs(string user, string role, params string[] policies)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(user);
        auth.SetRoles(role);
        auth.SetPolicies(policies);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id='body'>content</p>"))));
    }

    [Fact]
    public void App_bar_shows_the_signed_in_user_with_a_role_chip_and_a_sign_out_form()
    {
        var layout = RenderAs("admin@demo.local", PortalRoles.Admin, PortalPolicies.Admin);

        layout.Find("[data-testid=signed-in-user]").TextContent.ShouldContain("admin@demo.local");
        layout.Find("[data-testid=role-chip]").TextContent.ShouldContain("Admin");
        var form = layout.Find("form.portal-signout");
        form.GetAttribute("method").ShouldBe("post");
        form.GetAttribute("action").ShouldBe("/account/logout");
        layout.Find("#body").TextContent.ShouldBe("content");
        layout.Find(".mud-layout").GetAttribute("data-circuit").ShouldBe("interactive");
    }

    [Fact]
    public void Dark_mode_toggle_flips_and_persists_the_choice()
    {
        var stored = JSInterop.Setup<bool>("portal.theme.isDark").SetResult(false);
        var persisted = JSInterop.SetupVoid("portal.theme.set", _ => true);
        var layout = RenderAs("m@test.local", PortalRoles.Merchant, PortalPolicies.Merchant);
        // The stored choice is read after the first render; the toggle is clicked only once it has been applied.
        layout.WaitForAssertion(() => stored.Invocations.ShouldHaveSingleItem());
        var toggle = layout.Find("[data-testid=dark-toggle]");
        toggle.GetAttribute("aria-label").ShouldBe("Toggle dark mode");
        var iconBefore = toggle.InnerHtml;

        toggle.Click();

        layout.WaitForAssertion(() => persisted.Invocations.ShouldHaveSingleItem().Arguments.ShouldBe([true]));
        layout.WaitForAssertion(() => layout.Find("[data-testid=dark-toggle]").InnerHtml.ShouldNotBe(iconBefore));
    }
}
