using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E.Accessibility;

/// <summary>
/// Journeys done with the keyboard alone: every control is reached with Tab (never clicked or focused by the test),
/// focus is visible where it lands, and dialogs keep focus inside until they close.
/// </summary>
public sealed class KeyboardJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task Compliance_opens_the_audit_log_and_verifies_the_chain_with_the_keyboard_alone()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        await SignInWithKeyboardAsync(session, "compliance@demo.local", PortalSession.DemoPassword, staff: true);

        // Navigation puts focus on the page's heading; the skip link sits before everything else and leads into the main content.
        await TabToAsync(page, "[data-testid=skip-link]", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.activeElement && document.activeElement.id === 'main-content'");

        await TabToAsync(page, "[data-testid=nav] a[href='/compliance/audit']", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/compliance/audit");
        await session.WaitForInteractiveAsync();
        var rows = page.Locator("[data-testid=audit-grid] tbody tr");
        await rows.First.WaitForAsync();

        // Choosing the action filter with the keyboard is not here yet: MudSelect opens on Enter and moves with the arrows,
        // but Enter did not choose the highlighted action in this suite (issue 25's note; the compliance explorer of issue 18
        // replaces this filter).
        await TabToAsync(page, "[data-testid=verify-chain]");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=verify-result]")).ToContainTextAsync("intact", new() { IgnoreCase = true });
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_admin_finds_a_merchant_opens_its_case_and_approves_it_with_the_keyboard_alone()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        var cac = Random.Shared.Next(100_000, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        const string business = "Keyboard Crafts Ltd";
        await SubmittedCaseAsync(session.Factory, cac, business);
        await SignInWithKeyboardAsync(session, "admin@demo.local", PortalSession.DemoPassword, staff: true);

        // Find the merchant by its CAC number.
        await TabToAsync(page, "[data-testid=nav] a[href='/admin/merchants']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/admin/merchants");
        await session.WaitForInteractiveAsync();
        await TabToAsync(page, "[data-testid=merchant-search]");
        await page.Keyboard.TypeAsync(cac);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=merchants-grid] tbody tr")).ToHaveCountAsync(1);
        await TabToAsync(page, "[data-testid=open-merchant]");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/admin/merchants/"));
        await page.GetByRole(AriaRole.Heading, new() { Name = business, Level = 1 }).WaitForAsync();

        // Open its case from the KYC queue, accept the documents and approve.
        await TabToAsync(page, "[data-testid=nav] a[href='/admin/kyc']", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/admin/kyc");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=open-case]").Filter(new() { HasText = business }).WaitForAsync();
        await TabToAsync(page, page.Locator("[data-testid=open-case]").Filter(new() { HasText = business }));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/admin/kyc/"));
        await session.WaitForInteractiveAsync();
        foreach (var type in new[] { "DirectorId", "ProofOfAddress", "BankStatement" })
        {
            await TabToAsync(page, $"[data-testid=case-doc-{type}] [data-testid=accept-doc]");
            await page.Keyboard.PressAsync("Enter");
            await page.Locator($"[data-testid=case-doc-{type}] [data-testid=document-state]").Filter(new() { HasText = "Accepted" }).WaitForAsync();
        }

        await Assertions.Expect(page.Locator("[data-testid=approve]")).ToBeEnabledAsync();
        await TabToAsync(page, "[data-testid=approve]", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.Locator(".mud-dialog");
        await dialog.WaitForAsync();

        // Focus is inside the dialog and stays there, whichever way the user tabs.
        await page.WaitForFunctionAsync("() => !!document.activeElement.closest('.mud-dialog-container')");
        for (var i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync(i < 6 ? "Tab" : "Shift+Tab");
            (await page.EvaluateAsync<bool>("() => !!document.activeElement.closest('.mud-dialog-container')")).ShouldBeTrue("focus left the open dialog");
        }

        await TabToAsync(page, dialog.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Approved" }).First.WaitForAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        session.ConsoleErrors.ShouldBeEmpty();
    }

    /// <summary>A merchant that submitted KYB with its three documents uploaded, waiting in the queue.</summary>
    private static async Task SubmittedCaseAsync(PortalFactory factory, string cac, string business)
    {
        var (_, merchant) = await factory.CreateUserAsync(PortalRoles.Merchant);
        var merchants = factory.Services.GetRequiredService<MerchantService>();
        var documents = factory.Services.GetRequiredService<KycDocumentService>();
        var form = KybForms.Complete(cac, business, BusinessType.SoleProprietorship, ownership: 100);
        var draft = await merchants.SaveDraftAsync(merchant, form, null);
        draft.Succeeded.ShouldBeTrue(draft.Error?.Message);
        foreach (var type in new[] { DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement })
        {
            await using var content = new MemoryStream(type == DocumentType.DirectorId ? TestImages.IdCardPng() : TestImages.Pdf(type.ToString()));
            var uploaded = await documents.UploadAsync(merchant, merchant.MerchantId!.Value, type, content);
            uploaded.Succeeded.ShouldBeTrue(uploaded.Error?.Message);
        }

        var submitted = await merchants.SubmitAsync(merchant, form, draft.Value!.Version);
        submitted.Succeeded.ShouldBeTrue(submitted.Error?.Message);
    }

    private static async Task SignInWithKeyboardAsync(PortalSession session, string email, string password, bool staff)
    {
        var page = session.Page;
        await page.GotoAsync("/account/login");
        await TabToAsync(page, "#email");
        await page.Keyboard.TypeAsync(email);
        await TabToAsync(page, "#password");
        await page.Keyboard.TypeAsync(password);
        await page.Keyboard.PressAsync("Enter");
        if (staff)
        {
            await page.Locator("[data-testid=mfa-required]").WaitForAsync();
            var key = (await page.Locator("[data-testid=totp-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
            await TabToAsync(page, "#code");
            await page.Keyboard.TypeAsync(Totp.Code(key));
            await page.Keyboard.PressAsync("Enter");
            await page.Locator("[data-testid=recovery-codes]").WaitForAsync();
            await TabToAsync(page, "[data-testid=mfa-continue]");
            await page.Keyboard.PressAsync("Enter");
        }

        await session.WaitForInteractiveAsync();
    }

    /// <summary>Presses Tab (or Shift+Tab) until the focused element matches <paramref name="selector"/>, then checks focus shows.</summary>
    private static async Task TabToAsync(IPage page, string selector, bool backwards = false, int maxPresses = 80)
    {
        for (var i = 0; i < maxPresses; i++)
        {
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            if (await ActiveAsync(page, selector))
            {
                await ShouldShowFocusAsync(page);
                return;
            }
        }

        var at = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : 'nothing'");
        throw new ShouldAssertException($"{selector} was not reached with {maxPresses} presses of {(backwards ? "Shift+Tab" : "Tab")}; focus is on {at}");
    }

    /// <summary>As <see cref="TabToAsync(IPage, string, bool, int)"/>, for a target that only Playwright's locators can name.</summary>
    private static async Task TabToAsync(IPage page, ILocator target, bool backwards = false, int maxPresses = 80)
    {
        for (var i = 0; i < maxPresses; i++)
        {
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement || e.contains(document.activeElement)"))
            {
                await ShouldShowFocusAsync(page);
                return;
            }
        }

        throw new ShouldAssertException($"{target} was not reached with {maxPresses} presses of {(backwards ? "Shift+Tab" : "Tab")}");
    }

    private static Task<bool> ActiveAsync(IPage page, string selector) =>
        page.EvaluateAsync<bool>("s => { const a = document.activeElement; return !!a && (a.matches(s) || [...document.querySelectorAll(s)].some(e => e.contains(a))); }", selector);

    /// <summary>The focused control shows it: an outline or a focus shadow, or (text fields) MudBlazor's focused field border.</summary>
    private static async Task ShouldShowFocusAsync(IPage page)
    {
        var shows = await page.EvaluateAsync<bool>("""
            () => {
              const a = document.activeElement;
              if (!a || a === document.body) return false;
              if (a.closest('.mud-input-control') && a.closest('.mud-input')?.matches('.mud-focused, :focus-within')) return true;
              const s = getComputedStyle(a);
              return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
            }
            """);
        shows.ShouldBeTrue($"focus is not visible on {await page.EvaluateAsync<string>("() => document.activeElement.outerHTML.slice(0, 160)")}");
    }
}
