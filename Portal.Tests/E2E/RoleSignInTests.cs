using Microsoft.Playwright;
using Portal.Auth;

namespace Portal.Tests.E2E;

/// <summary>Each seeded demo account signs in and sees its own navigation, in light and dark mode.</summary>
public sealed class RoleSignInTests(BrowserFixture browser)
{
    public static TheoryData<string, string, string[]> Roles() => new()
    {
        { "merchant1@demo.local", PortalRoles.Merchant, ["/", "/onboarding", "/documents", "/payments", "/disputes", "/developers", "/account/mfa"] },
        { "admin@demo.local", PortalRoles.Admin, ["/", "/admin/kyc", "/admin/merchants", "/admin/transactions", "/admin/fraud", "/admin/fraud/lists", "/admin/fraud/rules", "/admin/disputes", "/admin/self-check", "/account/mfa"] },
        { "compliance@demo.local", PortalRoles.Compliance, ["/", "/compliance/audit", "/compliance/reports", "/account/mfa"] },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Demo_account_signs_in_and_sees_only_its_role_navigation(string email, string role, string[] expectedNav)
    {
        await using var session = await PortalSession.StartAsync(browser);
        await session.Page.GotoAsync("/account/login");
        await session.ScreenshotAsync("sign-in");

        await session.SignInAsync(email, PortalSession.DemoPassword);
        if (PortalRoles.IsStaff(role))
        {
            // Outside Development, staff must enrol an authenticator before anything else.
            await session.Page.Locator("[data-testid=mfa-required]").WaitForAsync();
            await session.EnrolTotpAsync();
        }

        (await session.NavHrefsAsync()).ShouldBe(expectedNav);
        (await session.Page.Locator("[data-testid=role-chip]").InnerTextAsync()).ShouldContain(role);
        await session.Page.Locator($"[data-testid=home-{role.ToLowerInvariant()}]").WaitForAsync();
        await session.ScreenshotAsync($"home-{role.ToLowerInvariant()}-light");

        await session.Page.ClickAsync("[data-testid=dark-toggle]");
        await session.Page.Locator(".mud-theme-dark, [data-testid=dark-toggle]").First.WaitForAsync();
        await session.Page.WaitForFunctionAsync("() => document.cookie.includes('portal-theme=dark')");
        await session.Page.Mouse.MoveAsync(700, 600); // no tooltip in the picture
        await session.ScreenshotAsync($"home-{role.ToLowerInvariant()}-dark");

        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_merchant_cannot_open_staff_pages()
    {
        await using var session = await PortalSession.StartAsync(browser);
        await session.SignInAsync("merchant2@demo.local", PortalSession.DemoPassword);
        await session.WaitForInteractiveAsync();

        await session.Page.GotoAsync("/compliance/audit");

        await session.Page.Locator("[data-testid=access-denied]").WaitForAsync();
        (await session.Page.Locator("[data-testid=audit-grid]").CountAsync()).ShouldBe(0);
        (await session.Page.Locator("[data-testid=access-denied]").GetAttributeAsync("data-reason")).ShouldBe("role"); // not "set up two-factor"
    }

    [Fact]
    public async Task Signed_out_visitors_are_sent_to_sign_in_and_come_back_after()
    {
        await using var session = await PortalSession.StartAsync(browser);

        await session.Page.GotoAsync("/developers");
        await session.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/account/login\\?ReturnUrl=%2Fdevelopers"));
        await session.Page.FillAsync("#email", "merchant1@demo.local");
        await session.Page.FillAsync("#password", PortalSession.DemoPassword);
        await session.Page.ClickAsync("button[type=submit]");

        await session.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/developers$"));
        await session.Page.GetByRole(AriaRole.Heading, new() { Name = "Developers" }).WaitForAsync();
    }
}
