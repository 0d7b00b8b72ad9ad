using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>
/// A payment made with pm_card_createDispute opens a dispute; the merchant sees it with its countdown, builds the evidence
/// from the pack, adds a file and a text field, saves a draft and submits; the evidence is locked; the admin records the
/// sandbox outcome "won" and the merchant sees it.
/// </summary>
public sealed partial class DisputesJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_disputed_payment_is_answered_by_the_merchant_and_won_in_the_sandbox()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (merchant, secret) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["amount"] = 4200, ["currency"] = "usd", ["customer_id"] = "cus_ada", ["payment_method"] = "pm_card_createDispute", ["order_id"] = "order-scarf",
            ["metadata"] = new Dictionary<string, string> { ["product_description"] = "Blue silk scarf" },
        });
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            using var response = await api.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        // 1-2. The dispute is on the merchant's list with its countdown.
        var page = session.Page;
        await session.SignInAsync(merchant.Name!, PortalFactory.Password);
        await page.GotoAsync("/disputes");
        await session.WaitForInteractiveAsync();
        var grid = page.Locator("[data-testid=disputes-grid]");
        await Assertions.Expect(grid.Locator("[data-testid=open-dispute]")).ToHaveCountAsync(1);
        await Assertions.Expect(grid.Locator("[data-testid=dispute-status]")).ToHaveTextAsync("Needs response");
        await Assertions.Expect(grid.Locator("[data-testid=due-chip]")).ToContainTextAsync("left");
        await Assertions.Expect(page.Locator("[data-testid=dispute-rate-value]")).ToHaveTextAsync("100.00%");
        await session.ScreenshotAsync("disputes-list");

        // 3. The case page: fill from the pack, a text field of our own, a file, save a draft, submit.
        await grid.Locator("[data-testid=open-dispute]").ClickAsync();
        await page.WaitForURLAsync(DisputeUrl(), new() { WaitUntil = WaitUntilState.Commit });
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=evidence-pack]")).ToContainTextAsync("payment.succeeded");
        await page.ClickAsync("[data-testid=fill-from-pack]");
        await Assertions.Expect(page.GetByLabel("Product description")).ToHaveValueAsync("Blue silk scarf");
        await page.GetByLabel("Shipping carrier").FillAsync("DHL Express");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "receipt.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("receipt for order-scarf"),
        });
        await Assertions.Expect(page.Locator("[data-testid=case-file]")).ToHaveCountAsync(1);
        await page.ClickAsync("[data-testid=save-draft]");
        await Assertions.Expect(page.Locator("[data-testid=evidence-state]")).ToHaveTextAsync("Draft saved");
        await Assertions.Expect(page.Locator("[data-testid=sent-shipping_carrier]")).ToHaveTextAsync("DHL Express");
        await session.ScreenshotAsync("dispute-case-draft");
        await page.ClickAsync("[data-testid=submit-evidence]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit", Exact = true }).ClickAsync();

        // 4. Locked.
        await Assertions.Expect(page.Locator("[data-testid=evidence-locked]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=submit-evidence]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByLabel("Shipping carrier")).Not.ToBeEditableAsync();
        await Assertions.Expect(page.Locator("[data-testid=dispute-status]")).ToHaveTextAsync("Under review");
        var caseUrl = page.Url;
        var disputeId = caseUrl[(caseUrl.LastIndexOf('/') + 1)..];

        // 5. The admin records "won" in the sandbox; the merchant sees it.
        await session.SignOutAsync();
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await page.GotoAsync("/admin/disputes");
        await session.WaitForInteractiveAsync();
        var queue = page.Locator("[data-testid=admin-disputes-grid]");
        await queue.Locator("[data-testid=open-dispute]").Filter(new() { HasText = disputeId }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/admin/disputes/dp_"), new() { WaitUntil = WaitUntilState.Commit });
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=sent-shipping_carrier]")).ToHaveTextAsync("DHL Express");
        await page.ClickAsync("[data-testid=record-won]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record won" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=dispute-status]")).ToHaveTextAsync("Won");

        await session.SignOutAsync();
        await session.SignInAsync(merchant.Name!, PortalFactory.Password);
        await page.GotoAsync(caseUrl);
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=dispute-status]")).ToHaveTextAsync("Won");
        await Assertions.Expect(page.Locator("[data-testid=evidence-locked]")).ToBeVisibleAsync();
        await session.ScreenshotAsync("dispute-case-won");
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [GeneratedRegex("/disputes/dp_[0-9a-f]{32}$")]
    private static partial Regex DisputeUrl();
}
