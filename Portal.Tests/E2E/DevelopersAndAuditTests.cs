using System.Net;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

public sealed class DevelopersAndAuditTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_merchant_creates_a_key_uses_it_sees_last_used_and_revokes_it()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (user, actor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);
        await session.SignInAsync(user.Email!, PortalFactory.Password);
        // Before approval the keys section is locked and says what unlocks it.
        await session.Page.GotoAsync("/developers");
        await session.WaitForInteractiveAsync();
        await session.Page.Locator("[data-testid=approval-locked]").GetByText("API keys open once your business is approved").WaitForAsync();
        (await session.Page.Locator("[data-testid=create-key]").CountAsync()).ShouldBe(0);
        await DemoMerchant.ApproveAsync(session.Factory.Services, actor, "Key Shop Ltd",
            Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), TestContext.Current.CancellationToken);

        await session.Page.GotoAsync("/developers");
        await session.WaitForInteractiveAsync();
        await session.Page.Locator("[data-testid=empty-state]").First.WaitForAsync(); // the API keys section comes first; webhooks have their own

        await session.Page.ClickAsync("[data-testid=create-key]");
        await session.Page.GetByLabel("Key name").FillAsync("checkout backend");
        await session.Page.ClickAsync("[data-testid=confirm-create-key]");
        var secret = await session.Page.Locator("[data-testid=new-key-secret]").InnerTextAsync();
        secret.ShouldStartWith("sk_test_");
        await session.ScreenshotAsync("developers-new-key");

        using (var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) })
        {
            api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
            var me = await (await api.GetAsync("/api/v1/me")).JsonAsync();
            me.GetProperty("merchant_id").GetString().ShouldBe(new Portal.Core.MerchantId(actor.MerchantId!.Value).ToString());
        }

        await session.Page.ReloadAsync();
        await session.WaitForInteractiveAsync();
        (await session.Page.Locator("[data-testid=key-last-used]").First.InnerTextAsync()).ShouldNotBe("Never");
        (await session.Page.ContentAsync()).ShouldNotContain(secret); // shown once only

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Revoke checkout backend" }).ClickAsync();
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await session.Page.GetByText("Revoked", new() { Exact = true }).WaitForAsync();

        using var after = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        after.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        (await after.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Compliance_sees_the_audit_trail_and_verifies_the_chain()
    {
        await using var session = await PortalSession.StartAsync(browser);
        await session.SignInAsync("compliance@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();

        await session.Page.GotoAsync("/compliance/audit");
        await session.WaitForInteractiveAsync();
        var grid = session.Page.Locator("[data-testid=audit-grid]");
        await grid.GetByText("auth.mfa_enrolled").First.WaitForAsync();
        await grid.GetByText("compliance@demo.local").First.WaitForAsync();

        await session.Page.ClickAsync("[data-testid=verify-chain]");
        (await session.Page.Locator("[data-testid=verify-result]").InnerTextAsync()).ShouldContain("Chain intact");
        await session.ScreenshotAsync("audit-log");
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
