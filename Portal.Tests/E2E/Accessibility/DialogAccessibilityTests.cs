using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Portal.Auth;
using static Portal.Tests.E2E.Accessibility.AccessibilityScanTests;

namespace Portal.Tests.E2E.Accessibility;

/// <summary>
/// Every dialog, open, passes axe (WCAG 2.x A and AA) in light and dark theme at 1280 px and 390 px. In light at 1280 px
/// each is also walked with the keyboard: focus is inside when it opens and stays inside through Tab and Shift+Tab,
/// Escape closes it, and focus returns to the control that opened it. The list is <see cref="ScannedDialogs"/>.
/// </summary>
public abstract class DialogAccessibilityTests(BrowserFixture browser, string role)
{
    /// <summary>
    /// The dialogs: the page, the role, the control that opens it, and what must be clicked first where the opener needs
    /// it (a fraud case is assigned before it can be decided). Closing by Escape cancels, so no dialog changes anything.
    /// </summary>
    internal static readonly ScannedDialog[] ScannedDialogs =
    [
        new("create API key", PortalRoles.Merchant, _ => "/developers", "[data-testid=create-key]"),
        new("revoke API key", PortalRoles.Merchant, _ => "/developers", "button[aria-label='Revoke scan key']"),
        new("add webhook endpoint", PortalRoles.Merchant, _ => "/developers", "[data-testid=create-webhook]"),
        new("refund", PortalRoles.Merchant, d => $"/payments/{d.PaymentId}", "[data-testid=refund]"),
        new("submit dispute evidence", PortalRoles.Merchant, d => $"/disputes/{d.DisputeId}", "[data-testid=submit-evidence]"),
        new("accept dispute", PortalRoles.Merchant, d => $"/disputes/{d.DisputeId}", "[data-testid=accept-dispute]"),
        new("add fraud list entry", PortalRoles.Admin, _ => "/admin/fraud/lists", "[data-testid=add-entry]"),
        new("fraud decline note", PortalRoles.Admin, d => $"/admin/fraud/{d.FraudCaseId}", "[data-testid=decline]", Prepare: "[data-testid=assign-to-me]"),
        new("fraud escalate note", PortalRoles.Admin, d => $"/admin/fraud/{d.FraudCaseId}", "[data-testid=escalate]", Prepare: "[data-testid=assign-to-me]"),
        new("fraud approve", PortalRoles.Admin, d => $"/admin/fraud/{d.FraudCaseId}", "[data-testid=approve]", Prepare: "[data-testid=assign-to-me]"),
        new("KYC reject", PortalRoles.Admin, d => $"/admin/kyc/{d.SubmittedMerchantGuid}", "[data-testid=reject]"),
        new("KYC request more information", PortalRoles.Admin, d => $"/admin/kyc/{d.SubmittedMerchantGuid}", "[data-testid=request-info]"),
        new("KYC reject document", PortalRoles.Admin, d => $"/admin/kyc/{d.SubmittedMerchantGuid}", "[data-testid=reject-doc]"),
        new("KYC approve", PortalRoles.Admin, d => $"/admin/merchants/{d.SubmittedMerchantGuid}", "[data-testid=approve]"),
        new("dispute outcome", PortalRoles.Admin, d => $"/admin/disputes/{d.DisputeId}", "[data-testid=record-won]"),
    ];

    [Fact]
    public async Task Every_dialog_passes_axe_traps_focus_closes_on_escape_and_returns_focus()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var sample = await SampleData.CreateAsync(session);
        var data = new DialogData(sample, role == PortalRoles.Admin ? await KeyboardJourneyTests.SubmittedCaseAsync(session.Factory, RandomCac(), "Dialog Review Ltd") : Guid.Empty);
        await SignInAsync(session, role, sample);
        // Reduced motion: a dialog is measured fully shown, not half-way through its fade (the portal honours the setting).
        await session.Page.EmulateMediaAsync(new() { ReducedMotion = ReducedMotion.Reduce });

        var findings = new List<string>();
        var scans = 0;
        var dialogs = ScannedDialogs.Where(d => d.Role == role).ToList();
        foreach (var dark in new[] { false, true })
        {
            await UseThemeAsync(session, dark);
            foreach (var onPage in dialogs.GroupBy(d => d.Url(data)))
            {
                await session.Page.GotoAsync(onPage.Key);
                await SettleAsync(session, dark);
                foreach (var width in Widths)
                {
                    await session.Page.SetViewportSizeAsync(width, 860);
                    foreach (var dialog in onPage)
                    {
                        var where = $"{role} {(dark ? "dark" : "light")} {width}px dialog \"{dialog.Name}\"";
                        var walk = !dark && width == Widths[0];
                        findings.AddRange(await CheckDialogAsync(session.Page, dialog, where, walk));
                        scans++;
                    }
                }
            }
        }

        TestContext.Current.SendDiagnosticMessage($"accessibility: {scans} dialog scans for {role}");
        scans.ShouldBe(dialogs.Count * 4);
        findings.ShouldBeEmpty(string.Join("\n", findings));
    }

    /// <summary>Opens the dialog, scans it, walks it with the keyboard if asked, closes it with Escape; returns what failed.</summary>
    private static async Task<List<string>> CheckDialogAsync(IPage page, ScannedDialog dialog, string where, bool walk)
    {
        var findings = new List<string>();
        if (dialog.Prepare is { } prepare && await page.Locator(prepare).CountAsync() > 0)
        {
            await page.Locator(prepare).First.ClickAsync();
            await page.Locator(prepare).WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }

        var opener = page.Locator(dialog.Opener).First;
        await Assertions.Expect(opener).ToBeEnabledAsync();
        await opener.ClickAsync(); // the keyboard journeys open dialogs with the keyboard; here the dialog is the point
        var open = page.Locator(".mud-dialog-container");
        await open.First.WaitForAsync();
        await page.Locator(".mud-dialog").First.WaitForAsync();
        await page.WaitForTimeoutAsync(200); // the opening render settles (focus, the first field)

        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] } });
        findings.AddRange(result.Violations.Select(v => $"{where}: {v.Id} ({v.Impact}) {v.Help}\n"
            + string.Join("\n", v.Nodes.Take(5).Select(n => $"    {n.Target}: {Shorten(n.Html)}"))));
        if (walk)
        {
            findings.AddRange(await FocusTrapProblemsAsync(page, where));
        }

        await page.Keyboard.PressAsync("Escape");
        try
        {
            await Assertions.Expect(open).ToHaveCountAsync(0, new() { Timeout = 5_000 });
        }
        catch (PlaywrightException)
        {
            findings.Add($"{where}: Escape did not close the dialog");
            await page.ReloadAsync(); // the next dialog starts from a clean page
            await page.Locator("[data-circuit=interactive]").WaitForAsync();
            return findings;
        }

        if (walk)
        {
            try
            {
                await page.WaitForFunctionAsync("e => e === document.activeElement || e.contains(document.activeElement)",
                    await opener.ElementHandleAsync(), new() { Timeout = 3_000 });
            }
            catch (TimeoutException)
            {
                var at = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'");
                findings.Add($"{where}: focus did not return to the control that opened the dialog (it is on {at})");
            }
        }

        return findings;
    }

    /// <summary>Focus is inside the open dialog and stays there through twelve presses of Tab, then of Shift+Tab.</summary>
    private static async Task<IEnumerable<string>> FocusTrapProblemsAsync(IPage page, string where)
    {
        const string inside = "() => !!document.activeElement && !!document.activeElement.closest('.mud-dialog')";
        try
        {
            await page.WaitForFunctionAsync(inside, null, new() { Timeout = 3_000 });
        }
        catch (TimeoutException)
        {
            return [$"{where}: focus is not inside the dialog when it opens"];
        }

        foreach (var key in new[] { "Tab", "Shift+Tab" })
        {
            for (var i = 0; i < 12; i++)
            {
                await page.Keyboard.PressAsync(key);
                if (!await page.EvaluateAsync<bool>(inside))
                {
                    var at = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'");
                    return [$"{where}: {key} took focus out of the open dialog (to {at})"];
                }
            }
        }

        return [];
    }

    private static string RandomCac() => Random.Shared.Next(100_000, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    internal sealed record ScannedDialog(string Name, string Role, Func<DialogData, string> Url, string Opener, string? Prepare = null);

    /// <summary>The page scan's sample data, and (for admins) a merchant whose KYC case waits for review.</summary>
    internal sealed record DialogData(SampleData Sample, Guid SubmittedMerchantGuid)
    {
        public string PaymentId => Sample.PaymentId;
        public string DisputeId => Sample.DisputeId;
        public string FraudCaseId => Sample.FraudCaseId;
        public Guid MerchantGuid => Sample.MerchantGuid;
    }
}

public sealed class MerchantDialogsAccessibilityTests(BrowserFixture browser) : DialogAccessibilityTests(browser, PortalRoles.Merchant);

public sealed class AdminDialogsAccessibilityTests(BrowserFixture browser) : DialogAccessibilityTests(browser, PortalRoles.Admin);
