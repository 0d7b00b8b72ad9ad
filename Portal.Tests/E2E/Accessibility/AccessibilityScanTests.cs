using System.Reflection;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.ApiKeys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E.Accessibility;

/// <summary>
/// axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) on every routed page, for every role that can open it, in light and
/// dark theme, at 1280 px and 390 px. The page list is <see cref="ScannedPages"/>; a routed page missing from it fails
/// the page-list test, so a new screen is scanned from its first commit.
/// </summary>
public abstract class AccessibilityScanTests(BrowserFixture browser, string role)
{
    internal static readonly string[] WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
    internal static readonly int[] Widths = [1280, 390];

    internal const string Anonymous = "Anonymous";

    /// <summary>Every routed page, the roles that open it, and how its route parameters are filled in.</summary>
    internal static readonly ScannedPage[] ScannedPages =
    [
        new("/account/login", [Anonymous]),
        new("/account/register", [Anonymous]),
        new("/account/forgot-password", [Anonymous]),
        new("/account/forgot-password-confirmation", [Anonymous]),
        new("/account/reset-password", [Anonymous]),
        new("/account/reset-password-confirmation", [Anonymous]),
        new("/account/register-confirmation", [Anonymous]),
        new("/account/resend-confirmation", [Anonymous]),
        new("/account/confirm-email", [Anonymous]),
        new("/account/lockout", [Anonymous]),
        new("/account/login-2fa", [Anonymous]),
        new("/account/login-recovery", [Anonymous]),
        new("/account/access-denied", [Anonymous]),
        new("/account/mfa", [PortalRoles.Merchant, PortalRoles.Admin, PortalRoles.Compliance]),
        new("/not-found", [Anonymous, PortalRoles.Merchant]),
        new("/error", [Anonymous]),
        new("/dev/outbox", [Anonymous]),
        new("/", [PortalRoles.Merchant, PortalRoles.Admin, PortalRoles.Compliance]),
        new("/onboarding", [PortalRoles.Merchant]),
        new("/documents", [PortalRoles.Merchant]),
        new("/payments", [PortalRoles.Merchant]),
        new("/payments/{Id}", [PortalRoles.Merchant], d => d.PaymentId),
        new("/disputes", [PortalRoles.Merchant]),
        new("/disputes/{Id}", [PortalRoles.Merchant], d => d.DisputeId),
        new("/developers", [PortalRoles.Merchant]),
        new("/admin/kyc", [PortalRoles.Admin]),
        new("/admin/kyc/{Id:guid}", [PortalRoles.Admin], d => d.MerchantGuid.ToString()),
        new("/admin/merchants", [PortalRoles.Admin]),
        new("/admin/merchants/{Id:guid}", [PortalRoles.Admin], d => d.MerchantGuid.ToString()),
        new("/admin/merchants/{Id:guid}/record", [PortalRoles.Admin, PortalRoles.Compliance], d => d.MerchantGuid.ToString()),
        new("/admin/transactions", [PortalRoles.Admin]),
        new("/admin/fraud/lists", [PortalRoles.Admin]),
        new("/admin/fraud/rules", [PortalRoles.Admin]),
        new("/admin/transactions/{Id}", [PortalRoles.Admin], d => d.PaymentId),
        new("/admin/fraud", [PortalRoles.Admin]),
        new("/admin/fraud/{CaseId}", [PortalRoles.Admin], d => d.FraudCaseId),
        new("/admin/disputes", [PortalRoles.Admin]),
        new("/admin/disputes/{Id}", [PortalRoles.Admin], d => d.DisputeId),
        new("/admin/self-check", [PortalRoles.Admin]),
        new("/admin/trace/{TraceId}", [PortalRoles.Admin], _ => "4bf92f3577b34da6a3ce929d0e0e4736"), // a trace that touched nothing: the empty state
        new("/compliance/audit", [PortalRoles.Compliance]),
        new("/compliance/reports", [PortalRoles.Compliance]),
    ];

    /// <summary>The page list's own check, once (not once per role).</summary>
    internal static void EveryRoutedPageIsScanned()
    {
        var routed = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => r.Template))
            .Order(StringComparer.Ordinal)
            .ToList();

        routed.ShouldNotBeEmpty();
        routed.Except(ScannedPages.Select(p => p.Template)).ShouldBeEmpty("routed pages that the accessibility scan does not open");
        ScannedPages.Select(p => p.Template).Except(routed).ShouldBeEmpty("scanned pages that no longer exist");
    }

    [Fact]
    public async Task Every_page_passes_axe_in_both_themes_and_widths()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var data = await SampleData.CreateAsync(session);
        await SignInAsync(session, role, data);

        var findings = new List<string>();
        var scans = 0;
        foreach (var dark in new[] { false, true })
        {
            await UseThemeAsync(session, dark);
            foreach (var width in Widths)
            {
                await session.Page.SetViewportSizeAsync(width, 860);
                foreach (var page in ScannedPages.Where(p => p.Roles.Contains(role)))
                {
                    var url = page.Url(data);
                    await session.Page.GotoAsync(url);
                    await SettleAsync(session, dark);

                    var result = await session.Page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] } });
                    scans++;
                    findings.AddRange(await StructureProblemsAsync(session.Page, $"{role} {(dark ? "dark" : "light")} {width}px {url}"));
                    findings.AddRange(result.Violations.Select(v =>
                        $"{role} {(dark ? "dark" : "light")} {width}px {url}: {v.Id} ({v.Impact}) {v.Help}\n"
                        + string.Join("\n", v.Nodes.Take(5).Select(n => $"    {n.Target}: {Shorten(n.Html)}"))
                        + (v.Nodes.Length > 5 ? $"\n    ... and {v.Nodes.Length - 5} more" : "")));
                }
            }
        }

        TestContext.Current.SendDiagnosticMessage($"accessibility: {scans} scans for {role}");
        scans.ShouldBeGreaterThan(0);
        findings.ShouldBeEmpty(string.Join("\n", findings));
    }

    /// <summary>The theme cookie, as the toggle writes it: the server renders the next page in that theme from the start.</summary>
    internal static Task UseThemeAsync(PortalSession session, bool dark) =>
        session.Page.Context.AddCookiesAsync([new Cookie { Name = "portal-theme", Value = dark ? "dark" : "light", Url = session.BaseUrl }]);

    internal static async Task SignInAsync(PortalSession session, string role, SampleData data)
    {
        await session.Page.GotoAsync("/account/login");
        switch (role)
        {
            case Anonymous:
                return;
            case PortalRoles.Merchant:
                await session.SignInAsync(data.MerchantEmail, PortalFactory.Password);
                break;
            default:
                await session.SignInAsync(role == PortalRoles.Admin ? "admin@demo.local" : "compliance@demo.local", PortalSession.DemoPassword);
                await session.EnrolTotpAsync();
                break;
        }

        await session.WaitForInteractiveAsync();
    }

    /// <summary>
    /// The page is rendered in the theme asked for, interactive where it is meant to be, and its data loaded. Static pages
    /// (sign-in and the other account pages) follow the theme cookie too, so they are scanned in both themes.
    /// </summary>
    internal static async Task SettleAsync(PortalSession session, bool dark)
    {
        await session.Page.WaitForLoadStateAsync(LoadState.Load);
        await session.Page.Locator($"[data-theme={(dark ? "dark" : "light")}]").First.WaitForAsync();
        if (await session.Page.Locator("[data-circuit=static]").CountAsync() > 0)
        {
            return;
        }

        await session.WaitForInteractiveAsync();
        await session.Page.Locator($"[data-theme={(dark ? "dark" : "light")}]").First.WaitForAsync();

        await session.Page.Locator(".mud-progress-linear, .mud-skeleton").First.WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = 10_000 });
        await session.Page.WaitForTimeoutAsync(250); // transitions (ripples, drawer) end before colours are read
    }

    /// <summary>
    /// What axe's WCAG tags leave out: one h1, headings that never skip a level on the way down, a main landmark, and a
    /// title that names the page (not only the product).
    /// </summary>
    private static async Task<IEnumerable<string>> StructureProblemsAsync(IPage page, string where)
    {
        var facts = await page.EvaluateAsync<JsonElement>("""
            () => {
              const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => h.offsetParent !== null || h.getClientRects().length).map(h => +h.tagName[1]);
              let skip = null;
              for (let i = 1; i < levels.length; i++) if (levels[i] > levels[i - 1] + 1) { skip = `h${levels[i - 1]} then h${levels[i]}`; break; }
              return { h1: levels.filter(l => l === 1).length, skip, main: document.querySelectorAll('main').length, title: document.title };
            }
            """);
        var problems = new List<string>();
        if (facts.GetProperty("h1").GetInt32() != 1)
        {
            problems.Add($"{where}: {facts.GetProperty("h1").GetInt32()} h1 headings (one per page)");
        }

        if (facts.GetProperty("skip").GetString() is { } skip)
        {
            problems.Add($"{where}: headings skip a level ({skip})");
        }

        if (facts.GetProperty("main").GetInt32() != 1)
        {
            problems.Add($"{where}: {facts.GetProperty("main").GetInt32()} main landmarks");
        }

        var title = facts.GetProperty("title").GetString() ?? "";
        if (!title.Contains(" · ", StringComparison.Ordinal) || title.StartsWith("Merchant Portal", StringComparison.Ordinal))
        {
            problems.Add($"{where}: the title \"{title}\" does not name the page");
        }

        return problems;
    }

    internal static string Shorten(string html) => html.Length <= 160 ? html : html[..160] + "…";

    internal sealed record ScannedPage(string Template, string[] Roles, Func<SampleData, string>? Id = null)
    {
        /// <summary>The template with its route parameter filled in (what follows it, such as "/record", stays).</summary>
        public string Url(SampleData data)
        {
            if (Id is null)
            {
                return Template;
            }

            var start = Template.IndexOf('{', StringComparison.Ordinal);
            var end = Template.IndexOf('}', start);
            return Template[..start] + Id(data) + Template[(end + 1)..];
        }
    }

    /// <summary>An approved merchant (signed in with its own account) with a few payments, so lists and details have rows.</summary>
    internal sealed record SampleData(string MerchantEmail, Guid MerchantGuid, string PaymentId, string FraudCaseId, string DisputeId)
    {
        public static async Task<SampleData> CreateAsync(PortalSession session)
        {
            var email = $"a11y-{Guid.NewGuid():N}@shop.example";
            var (_, actor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant, email);
            var key = await session.Factory.Services.GetRequiredService<ApiKeyService>().CreateAsync(actor, "scan key");
            await DemoMerchant.ApproveAsync(session.Factory.Services, actor, "Accessible Goods Ltd", Random.Shared.Next(100_000, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
            using var api = new HttpClient { BaseAddress = new Uri(session.BaseUrl) };
            api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Value!.Secret);
            string? paymentId = null;
            foreach (var (amount, method) in new[] { (2599L, "pm_card_visa"), (1800L, "pm_card_visa_chargeDeclinedInsufficientFunds"), (990L, "pm_card_visa"), (4200L, "pm_card_createDispute") })
            {
                var body = JsonSerializer.Serialize(new { amount, currency = "usd", customer_id = "cus_scan", payment_method = method });
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
                using var response = await api.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, text);
                paymentId ??= JsonDocument.Parse(text).RootElement.GetProperty("id").GetString();
            }

            // Six small payments of one customer: the sixth is held for review (card testing and velocity), so the fraud queue has a case.
            string? heldId = null;
            for (var i = 0; i < 6; i++)
            {
                var body = JsonSerializer.Serialize(new { amount = 100, currency = "usd", customer_id = "cus_scan_fraud", payment_method = "pm_card_visa" });
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
                using var response = await api.SendAsync(request);
                heldId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
            }

            var fraudCase = await session.Factory.Services.GetRequiredService<Portal.Core.Fraud.Review.IFraudCaseStore>()
                .GetByPaymentAsync(Portal.Core.PaymentId.Parse(heldId!, null).Value, CancellationToken.None);
            // A payment above opened a dispute (the sandbox's pm_card_createDispute): its case pages are scanned too.
            using var disputes = await api.GetAsync("/api/v1/disputes");
            var disputeId = JsonDocument.Parse(await disputes.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("id").GetString();
            return new SampleData(email, actor.MerchantId!.Value, paymentId!, fraudCase?.DisplayId ?? "frc_missing", disputeId!);
        }
    }
}

public sealed class AnonymousPagesAccessibilityTests(BrowserFixture browser) : AccessibilityScanTests(browser, Anonymous)
{
    [Fact]
    public void Every_routed_page_is_scanned() => EveryRoutedPageIsScanned();
}

public sealed class MerchantPagesAccessibilityTests(BrowserFixture browser) : AccessibilityScanTests(browser, PortalRoles.Merchant);

public sealed class AdminPagesAccessibilityTests(BrowserFixture browser) : AccessibilityScanTests(browser, PortalRoles.Admin);

public sealed class CompliancePagesAccessibilityTests(BrowserFixture browser) : AccessibilityScanTests(browser, PortalRoles.Compliance);
