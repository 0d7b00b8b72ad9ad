using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.Fraud.Review;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>
/// Tuning fraud scoring safely: an admin drafts a heavier card-testing weight and backtests it against the live version
/// over the payments already made; the author cannot publish it, a second admin does. Then an admin blocks a customer,
/// and that customer's next payment through the API is blocked.
/// </summary>
public sealed class FraudRulesJourneyTests(BrowserFixture browser)
{
    private static async Task<JsonElement> PayAsync(HttpClient api, long amount, string customer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = JsonContent.Create(new { amount, currency = "usd", customer_id = customer, payment_method = "pm_card_visa", device_id = "dev_t", country = "NG" }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await api.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task A_draft_is_backtested_and_published_by_another_admin_and_a_blocked_customer_is_blocked()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        var (merchant, secret) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        // Four small payments in a row: live rules let the fourth through (card testing weighs 40 of the 70 needed to hold).
        JsonElement fourth = default;
        for (var i = 0; i < 4; i++)
        {
            fourth = await PayAsync(api, 100, "cus_tester");
            fourth.GetProperty("status").GetString().ShouldBe("succeeded");
        }

        // A review decision later confirmed the fourth as fraud (its case declined): the backtest counts it as an outcome.
        var fourthId = Portal.Core.PaymentId.Parse(fourth.GetProperty("id").GetString()!, null).Value;
        var now = session.Factory.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        (await session.Factory.Services.GetRequiredService<IFraudCaseStore>().CreateAsync(new FraudCase(Guid.CreateVersion7(), fourthId, merchant.MerchantId!.Value, 100,
            "usd", "cus_tester", 40, [], FraudCaseStatus.Declined, "admin-x", "Admin X", [], now, now.AddHours(4), now, "Admin X", 2), CancellationToken.None))
            .ShouldBe(FraudCaseWriteOutcome.Done);

        // 1. The first admin drafts a heavier card-testing weight and backtests it.
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await page.GotoAsync("/admin/fraud/rules");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=live-version]").Filter(new() { HasText = "Live: version 1" }).WaitForAsync();
        var weight = page.GetByLabel("Card testing weight");
        await weight.FillAsync("85");
        await weight.PressAsync("Tab");
        await page.GetByLabel("Note (why this change)").FillAsync("Block card testing outright");
        await page.ClickAsync("[data-testid=save-draft]");
        await page.Locator("[data-testid=draft-editors]").WaitForAsync();
        await page.Locator("[data-testid=four-eyes-note]").WaitForAsync();
        (await page.Locator("[data-testid=publish-draft]").IsDisabledAsync()).ShouldBeTrue();

        await page.ClickAsync("[data-testid=run-backtest]");
        var result = page.Locator("[data-testid=backtest-result]");
        await result.WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=live-blocked]")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("[data-testid=draft-blocked]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=live-passed]")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("[data-testid=draft-passed]")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("[data-testid=live-confirmed]")).ToHaveTextAsync("0 / 0 / 1");
        await Assertions.Expect(page.Locator("[data-testid=draft-confirmed]")).ToHaveTextAsync("1 / 0 / 0");
        await session.ScreenshotAsync("fraud-rules-backtest");
        session.ConsoleErrors.ShouldBeEmpty();
        await session.SignOutAsync();

        // 2. A second admin publishes it.
        var (reviewer, _) = await session.Factory.CreateUserAsync(PortalRoles.Admin, "bola.fraud@portal.example");
        var totp = await session.Factory.EnableTotpAsync(reviewer);
        await session.SignInWithTotpAsync(reviewer.Email!, PortalFactory.Password, totp);
        await page.GotoAsync("/admin/fraud/rules");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=draft-editors]").Filter(new() { HasText = "admin@demo.local" }).WaitForAsync();
        await page.ClickAsync("[data-testid=publish-draft]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await page.Locator("[data-testid=live-version]").Filter(new() { HasText = "Live: version 2" }).WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=version-row]")).ToHaveCountAsync(2);

        // 3. The reviewer blocks the customer; the customer's next payment through the API is blocked.
        await page.GotoAsync("/admin/fraud/lists");
        await session.WaitForInteractiveAsync();
        await page.ClickAsync("[data-testid=add-entry]");
        var dialog = page.Locator(".mud-dialog");
        await dialog.GetByLabel("Value").FillAsync("cus_tester");
        await dialog.GetByLabel("Merchant id").FillAsync($"mer_{merchant.MerchantId:N}");
        await dialog.GetByLabel("Reason").FillAsync("Card testing seen in the backtest");
        await dialog.Locator("[data-testid=confirm-add-entry]").ClickAsync();
        await page.Locator("[data-testid=lists-grid] [data-testid=entry-value-cell]").Filter(new() { HasText = "cus_tester" }).WaitForAsync();
        await session.ScreenshotAsync("fraud-lists");
        session.ConsoleErrors.ShouldBeEmpty();

        var blocked = await PayAsync(api, 2500, "cus_tester");
        blocked.GetProperty("status").GetString().ShouldBe("blocked");
        blocked.GetProperty("fraud").GetProperty("factors")[0].GetProperty("rule").GetString().ShouldBe("block_list");
    }
}
