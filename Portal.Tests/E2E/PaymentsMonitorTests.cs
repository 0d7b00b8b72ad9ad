using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>A merchant's API payment appears on the admin's open transaction monitor without reload; its detail shows fraud factors and timeline.</summary>
public sealed partial class PaymentsMonitorTests(BrowserFixture browser)
{
    private static async Task<string> PayAsync(HttpClient api, long amount, string paymentMethod, string customer, string? device = null, string? country = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["amount"] = amount, ["currency"] = "usd", ["customer_id"] = customer, ["payment_method"] = paymentMethod,
            ["order_id"] = "order-" + Guid.NewGuid().ToString("N")[..8], ["device_id"] = device, ["country"] = country, ["metadata"] = new Dictionary<string, string> { ["cart"] = "c_42" },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_payment_made_with_the_API_appears_live_on_the_admin_monitor_and_opens_its_detail()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (merchant, secret) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        await PayAsync(api, 2599, "pm_card_visa", "cus_ada", "dev_home", "NG");
        await PayAsync(api, 1800, "pm_card_visa_chargeDeclinedInsufficientFunds", "cus_bola", "dev_b", "NG");

        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await session.Page.GotoAsync("/admin/transactions");
        await session.WaitForInteractiveAsync();
        var grid = session.Page.Locator("[data-testid=payments-grid]");
        await Assertions.Expect(grid.Locator("[data-testid=payment-id]")).ToHaveCountAsync(2);

        // The monitor is open; the merchant's backend pays now.
        var live = await PayAsync(api, 12900, "pm_card_visa", "cus_ada", "dev_new_phone", "US");

        await Assertions.Expect(grid.Locator("[data-testid=payment-id]")).ToHaveCountAsync(3);
        await Assertions.Expect(grid.Locator("[data-testid=payment-id]").First).ToHaveTextAsync(live);
        await Assertions.Expect(session.Page.Locator("[data-testid=kpi-count]")).ToHaveTextAsync("3", new() { Timeout = 15_000 });
        await session.Page.WaitForTimeoutAsync(3200); // let the new-row highlight fade before the screenshot
        await session.ScreenshotAsync("transactions-monitor-light");

        await grid.Locator("a").Filter(new() { HasText = live }).ClickAsync();
        await session.Page.WaitForURLAsync(new Regex("/admin/transactions/pay_"), new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(session.Page.Locator("[data-testid=payment-display-id]")).ToHaveTextAsync(live);
        await Assertions.Expect(session.Page.Locator("[data-testid=fraud-factors]")).ToContainTextAsync("country_mismatch");
        await Assertions.Expect(session.Page.Locator("[data-testid=fraud-factors]")).ToContainTextAsync("unknown_device");
        await Assertions.Expect(session.Page.Locator("[data-testid=payment-timeline]")).ToContainTextAsync("payment.initiated");
        await Assertions.Expect(session.Page.Locator("[data-testid=payment-timeline]")).ToContainTextAsync("payment.succeeded");
        await session.ScreenshotAsync("payment-detail");

        await session.Page.GotoAsync("/admin/transactions");
        await session.WaitForInteractiveAsync();
        await session.Page.ClickAsync("[data-testid=dark-toggle]");
        await session.Page.WaitForFunctionAsync("() => document.cookie.includes('portal-theme=dark')");
        await Assertions.Expect(grid.Locator("[data-testid=payment-id]")).ToHaveCountAsync(3);
        await session.ScreenshotAsync("transactions-monitor-dark");
        await session.Page.ClickAsync("[data-testid=dark-toggle]");
        await session.Page.WaitForFunctionAsync("() => !document.cookie.includes('portal-theme=dark')");

        await session.SignOutAsync();
        await session.SignInAsync(merchant.Name!, PortalFactory.Password);
        await session.Page.GotoAsync("/payments");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(session.Page.Locator("[data-testid=payments-grid] [data-testid=payment-id]")).ToHaveCountAsync(3);
        await session.ScreenshotAsync("merchant-payments");
        session.ConsoleErrors.ShouldBeEmpty();
    }
    [Fact]
    public async Task Several_open_monitors_each_show_the_newest_payment_after_a_burst()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (merchant, secret) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);

        // Three admin monitors (tabs of one signed-in browser) and the merchant's own payments page in another browser.
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        var monitors = new List<IPage> { session.Page };
        monitors.Add(await session.Page.Context.NewPageAsync());
        monitors.Add(await session.Page.Context.NewPageAsync());
        foreach (var page in monitors)
        {
            await page.GotoAsync("/admin/transactions");
            await page.Locator("[data-circuit=interactive]").WaitForAsync();
        }

        await using var merchantContext = await (await browser.GetAsync()).NewContextAsync(new BrowserNewContextOptions { BaseURL = session.BaseUrl });
        var merchantPage = await merchantContext.NewPageAsync();
        await merchantPage.GotoAsync("/account/login");
        await merchantPage.FillAsync("#email", merchant.Name!);
        await merchantPage.FillAsync("#password", PortalFactory.Password);
        await merchantPage.ClickAsync("button[type=submit]");
        await merchantPage.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await merchantPage.GotoAsync("/payments");
        await merchantPage.Locator("[data-circuit=interactive]").WaitForAsync();
        monitors.Add(merchantPage);

        // A burst through the API: 300 payments from 16 clients at once, then one more.
        const int burst = 300;
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, burst).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await PayAsync(api, 100 + i, "pm_card_visa", $"cus_burst_{i}");
            }
            finally
            {
                gate.Release();
            }
        }));
        var newest = await PayAsync(api, 777, "pm_card_visa", "cus_after_burst");

        // Generous timeouts: the speed budget (1 s p95) is bench/monitor.sh's, not a test's.
        foreach (var page in monitors)
        {
            var ids = page.Locator("[data-testid=payments-grid] [data-testid=payment-id]");
            await Assertions.Expect(ids.First).ToHaveTextAsync(newest, new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("[data-testid=live-indicator]")).ToHaveTextAsync("Live", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("[data-testid=kpi-count]")).ToHaveTextAsync((burst + 1).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
            (await ids.CountAsync()).ShouldBeLessThanOrEqualTo(20); // the live grid is capped
        }

        session.ConsoleErrors.ShouldBeEmpty();
    }
}

