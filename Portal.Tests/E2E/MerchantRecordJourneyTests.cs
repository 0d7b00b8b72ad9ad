using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Portal.Tests.E2E;

/// <summary>Issue 19 journeys: an admin opens a merchant's record from the transaction monitor; the self-check page shows its items.</summary>
public sealed class MerchantRecordJourneyTests(BrowserFixture browser)
{
    private static readonly string[] Sections =
        ["record-risk", "record-kyb", "record-documents", "record-payments", "record-fraud", "record-disputes", "record-webhooks", "record-api-keys", "record-audit", "record-timeline-section"];

    [Fact]
    public async Task An_admin_opens_a_merchant_from_the_monitor_and_sees_every_section()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (_, secret) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments"))
        {
            request.Content = new StringContent("""{"amount": 2599, "currency": "usd", "customer_id": "cus_ada", "payment_method": "pm_card_visa", "order_id": "o-19"}""", Encoding.UTF8, "application/json");
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            using var response = await api.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await session.Page.GotoAsync("/admin/transactions");
        await session.WaitForInteractiveAsync();
        await session.Page.Locator("[data-testid=payments-grid] [data-testid=open-merchant-record]").First.ClickAsync();

        await session.Page.WaitForURLAsync(new Regex("/admin/merchants/[0-9a-f]{32}/record"), new() { WaitUntil = WaitUntilState.Commit });
        foreach (var section in Sections)
        {
            await Assertions.Expect(session.Page.Locator($"[data-testid={section}]")).ToBeVisibleAsync();
        }

        await Assertions.Expect(session.Page.Locator("[data-testid=record-recent-payments]")).ToContainTextAsync("USD 25.99");
        await Assertions.Expect(session.Page.Locator("[data-testid=risk-last-payment]")).Not.ToHaveTextAsync("None yet");
        await Assertions.Expect(session.Page.Locator("[data-testid=record-timeline-entry]").First).ToBeVisibleAsync();
        await session.ScreenshotAsync("merchant-record");
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_self_check_page_shows_its_items()
    {
        await using var session = await PortalSession.StartAsync(browser);

        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await session.Page.GotoAsync("/admin/self-check");
        await session.WaitForInteractiveAsync();

        var items = session.Page.Locator("[data-testid=self-check-items] tbody tr");
        await Assertions.Expect(items).ToHaveCountAsync(9);
        await Assertions.Expect(session.Page.Locator("[data-testid=self-check-staff_mfa]")).ToHaveAttributeAsync("data-status", "pass");
        await Assertions.Expect(session.Page.Locator("[data-testid=self-check-storage_durability]")).ToHaveAttributeAsync("data-status", "pass");
        await Assertions.Expect(session.Page.Locator("[data-testid=self-check-aws_settings]")).ToContainTextAsync("Not applicable in embedded mode");
        await session.Page.ClickAsync("[data-testid=run-self-check]");
        await Assertions.Expect(items).ToHaveCountAsync(9);
        await session.ScreenshotAsync("self-check");
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
