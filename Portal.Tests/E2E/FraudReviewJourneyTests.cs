using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Fraud.Review;
using Portal.Core.Payments;

namespace Portal.Tests.E2E;

/// <summary>
/// Fraud review end to end: a payment made through the API is held; the admin, with the queue open, gets the alert at
/// once, opens the case from it, claims it and approves it; the payment succeeds at the processor; a second admin's
/// approval of the same case is refused with a message naming the first.
/// </summary>
public sealed class FraudReviewJourneyTests(BrowserFixture browser)
{
    private static async Task<JsonElement> PayAsync(HttpClient api, string customer)
    {
        var body = JsonSerializer.Serialize(new { amount = 100, currency = "usd", customer_id = customer, payment_method = "pm_card_visa" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_held_payment_alerts_the_admin_who_claims_and_approves_it_and_a_second_approval_is_refused()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        var (_, secret) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);

        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await page.GotoAsync("/admin/fraud");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=fraud-grid] [data-testid=empty-state]")).ToContainTextAsync("Nothing to review");

        // 1. Six small payments of one customer: the sixth trips card testing and velocity (score 70) and is held.
        var customer = "cus_" + Guid.NewGuid().ToString("N")[..10];
        JsonElement held = default;
        for (var i = 0; i < 6; i++)
        {
            held = await PayAsync(api, customer);
        }

        held.GetProperty("status").GetString().ShouldBe("held_for_review");
        held.GetProperty("fraud").GetProperty("score").GetInt32().ShouldBe(70);
        var paymentId = held.GetProperty("id").GetString()!;

        // 2. The alert appears at once; the queue shows the case without a reload; the alert opens the case.
        var alert = page.Locator(".portal-fraud-alert").Filter(new() { HasText = paymentId });
        await Assertions.Expect(alert).ToContainTextAsync("held for review (score 70)");
        await Assertions.Expect(page.Locator("[data-testid=fraud-alert-count]")).ToContainTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=fraud-grid] [data-testid=open-case]")).ToHaveCountAsync(1);
        await session.ScreenshotAsync("fraud-queue");
        await alert.GetByRole(AriaRole.Button, new() { Name = "Open case" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/admin/fraud/frc_[0-9a-f]{32}$"));
        var caseId = FraudCaseId.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], null);
        await Assertions.Expect(page.Locator("[data-testid=rule-hit]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=rule-hits]")).ToContainTextAsync("Possible card testing");
        await Assertions.Expect(page.Locator("[data-testid=velocity]")).ToContainTextAsync("6 in the hour");
        await Assertions.Expect(page.Locator("[data-testid=payment-timeline]")).ToContainTextAsync("payment.initiated");

        // 3. The admin claims the case and approves it: the payment goes to the processor and succeeds.
        await page.ClickAsync("[data-testid=assign-to-me]");
        await Assertions.Expect(page.Locator("[data-testid=case-assignee]")).ToContainTextAsync("assigned to you");
        await session.ScreenshotAsync("fraud-case");
        await page.ClickAsync("[data-testid=approve]");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=payment-outcome]")).ToContainTextAsync("Succeeded");
        await Assertions.Expect(page.Locator("[data-testid=case-status]").First).ToHaveTextAsync("Approved");
        var stored = (await session.Factory.Services.GetRequiredService<IPaymentStore>().GetAsync(PaymentId.Parse(paymentId, null).Value, CancellationToken.None)).ShouldNotBeNull();
        stored.Status.ShouldBe(PaymentStatus.Succeeded);
        stored.ProcessorReference.ShouldBe("sbx_" + stored.Id.ToString("N"));

        // 4. A second admin's approval of the same case gets the conflict, naming who approved it.
        var (_, otherAdmin) = await session.Factory.CreateUserAsync(PortalRoles.Admin, "bola@portal.example");
        var second = await session.Factory.Services.GetRequiredService<FraudCaseDecisions>().ApproveAsync(otherAdmin, caseId.Value, CancellationToken.None);
        second.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        second.Error.Message.ShouldBe("admin@demo.local already approved this case.");
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
