using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>
/// Issue 19's journeys: (2) a KYB approval of a high-risk merchant proposed by one admin is confirmed by a second; (4) a
/// trace id from a failed API call, pasted into the app bar's search, finds its audit event.
/// </summary>
public sealed class FourEyesAndTraceJourneyTests(BrowserFixture browser)
{
    /// <summary>A submitted application in a high-risk industry with every document accepted: ready for a (four-eyes) decision.</summary>
    private static async Task<Merchant> HighRiskCaseAsync(PortalFactory factory)
    {
        var services = factory.Services;
        var (_, merchant) = await factory.CreateUserAsync(PortalRoles.Merchant);
        var merchants = services.GetRequiredService<MerchantService>();
        var cases = services.GetRequiredService<KycCaseService>();
        var documents = services.GetRequiredService<KycDocumentService>();
        var form = KybForms.Complete(Random.Shared.Next(100_000, 999_000).ToString(System.Globalization.CultureInfo.InvariantCulture), businessName: "Calabar Travel Desk",
            businessType: BusinessType.SoleProprietorship, ownership: 100);
        form.Industry = "Travel and hospitality";
        var draft = (await merchants.SaveDraftAsync(merchant, form, null)).Value!;
        foreach (var type in new[] { DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement })
        {
            (await documents.UploadAsync(merchant, merchant.MerchantId!.Value, type, new MemoryStream(TestImages.Pdf(type.ToString())))).Succeeded.ShouldBeTrue();
        }

        var submitted = (await cases.SubmitAsync(merchant, form, draft.Version)).Value!;
        var seed = new Actor("seed", "seed", PortalRoles.Admin, null, null);
        foreach (var requirement in (await documents.RequirementsAsync(seed, submitted.Id))!)
        {
            var current = requirement.Current!;
            (await documents.ReviewDocumentAsync(seed, submitted.Id, current.Type, current.VersionId, current.State, accept: true, null)).Succeeded.ShouldBeTrue();
        }

        return submitted;
    }

    [Fact]
    public async Task A_kyb_approval_proposed_by_one_admin_is_confirmed_by_a_second()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        var submitted = await HighRiskCaseAsync(session.Factory);

        // The first admin proposes: the case shows the proposal, and its own proposal cannot be confirmed by it.
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await page.GotoAsync($"/admin/kyc/{submitted.Id}");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=four-eyes-note]").WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=approve]")).ToHaveTextAsync(new Regex("Propose approval", RegexOptions.IgnoreCase));
        await page.ClickAsync("[data-testid=approve]");
        var pending = page.Locator("[data-testid=pending-proposal]");
        await pending.WaitForAsync();
        (await pending.InnerTextAsync()).ShouldContain("admin@demo.local");
        (await page.Locator("[data-testid=confirm-proposal]").IsDisabledAsync()).ShouldBeTrue();
        await page.GotoAsync("/admin/kyc");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=queue-grid] tbody tr").Filter(new() { HasText = "Calabar Travel Desk" }).Locator("[data-testid=queue-proposal]").WaitForAsync();
        await session.SignOutAsync();

        // A second admin confirms it: the merchant is approved, with both admins on the record.
        var (second, _) = await session.Factory.CreateUserAsync(PortalRoles.Admin, "second.admin@portal.example");
        await session.SignInAsync(second.Email!, PortalFactory.Password);
        await session.EnrolTotpAsync();
        await page.GotoAsync($"/admin/kyc/{submitted.Id}");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=pending-proposal]").WaitForAsync();
        await page.ClickAsync("[data-testid=confirm-proposal]");
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Approved" }).First.WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=pending-proposal]")).ToHaveCountAsync(0);
        var history = await session.Factory.Services.GetRequiredService<IMerchantStore>().HistoryAsync(submitted.Id, CancellationToken.None);
        history[^1].Change.ShouldContain("proposed by admin@demo.local, confirmed by second.admin@portal.example");
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_trace_id_from_a_failed_api_call_finds_its_audit_event()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;

        // A merchant's key asks for the audit log: 403, and the problem body names the trace.
        var (_, key) = await session.Factory.ApprovedMerchantKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var refused = await api.GetAsync("/api/v1/audit/events");
        ((int)refused.StatusCode).ShouldBe(403);
        var traceId = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("trace_id").GetString()!;
        Portal.Core.Diagnostics.TraceIds.IsValid(traceId).ShouldBeTrue(traceId);

        // An admin pastes it into the app bar's search and lands on what it touched.
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await session.WaitForInteractiveAsync();
        var search = page.Locator("input[data-testid=trace-search]"); // MudTextField puts its attributes on the input
        await search.FillAsync(traceId.ToUpperInvariant());
        await search.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex($"/admin/trace/{traceId}$"), new() { WaitUntil = WaitUntilState.Commit });
        var row = page.Locator("[data-testid=trace-event]").Filter(new() { HasText = "access.denied" });
        await row.WaitForAsync();
        (await row.InnerTextAsync()).ShouldContain("Denied");
        await session.ScreenshotAsync("trace-search");
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
