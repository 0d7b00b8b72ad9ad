using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.Audit;
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
    public async Task Compliance_filters_the_audit_log_verifies_the_chain_and_exports_it_with_the_keyboard_alone()
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

        // The action filter, chosen with Enter, the arrows and Enter (SelectionOnEnter), then applied.
        await TabToAsync(page, "[data-testid=filter-action]");
        await ChooseWithKeyboardAsync(page, "filter-action", AuditActions.SignIn);
        await TabToAsync(page, "[data-testid=filter-apply]");
        await page.Keyboard.PressAsync("Enter");
        // The filter is applied over the circuit and the URL changes in place (no page load), so poll the URL rather than
        // wait for a navigation event; a loaded CI machine can take longer than the default 20 s for the round trip.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("action=auth.sign_in"), new() { Timeout = 45_000 });
        await Assertions.Expect(page.Locator("[data-testid=audit-grid] tbody tr").Filter(new() { HasNotText = AuditActions.SignIn })).ToHaveCountAsync(0);
        await rows.First.WaitForAsync();

        await TabToAsync(page, "[data-testid=verify-chain]", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=verify-result]")).ToContainTextAsync("intact", new() { IgnoreCase = true });

        // Export the filtered events as JSON Lines and download the file, still with the keyboard alone.
        await TabToAsync(page, "[data-testid=export-format]");
        await ChooseWithKeyboardAsync(page, "export-format", "JSON Lines");
        await TabToAsync(page, "[data-testid=export-start]");
        await page.Keyboard.PressAsync("Enter");
        var link = page.Locator("[data-testid=export-download]");
        await link.WaitForAsync();
        await TabToAsync(page, "[data-testid=export-download]");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Keyboard.PressAsync("Enter"));
        download.SuggestedFilename.ShouldEndWith(".zip");
        (await link.InnerTextAsync()).ShouldContain(".zip");
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_merchant_registers_completes_onboarding_and_uploads_documents_with_the_keyboard_alone()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        var email = $"keys-{Guid.NewGuid():N}@shop.example";
        const string password = "Keyboard-Only-2026!";
        var cac = Random.Shared.Next(100_000, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        // Register: email, password, confirmation, in that order, and Enter submits.
        await page.GotoAsync("/account/register");
        await TabToAsync(page, "#email");
        await page.Keyboard.TypeAsync(email);
        await NextFieldAsync(page, "#password");
        await page.Keyboard.TypeAsync(password);
        await NextFieldAsync(page, "#confirm");
        await page.Keyboard.TypeAsync(password);
        await NextFieldAsync(page, "button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("[data-testid=register-confirmation]").WaitForAsync();

        // Confirm the email from the development outbox's link.
        await page.GotoAsync("/dev/outbox");
        await session.WaitForInteractiveAsync();
        var confirm = page.Locator("[data-testid=outbox-message]").Filter(new() { HasText = email }).Locator("[data-testid=outbox-action]").First;
        await confirm.WaitForAsync();
        await TabToAsync(page, confirm);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("[data-testid=email-confirmed]").WaitForAsync();

        await SignInWithKeyboardAsync(session, email, password, staff: false);
        await TabToAsync(page, "[data-testid=nav] a[href='/onboarding']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/onboarding");
        await session.WaitForInteractiveAsync();
        var title = page.Locator("[data-testid=step-title]");
        await title.Filter(new() { HasText = "Business details" }).WaitForAsync();

        // Step 1: the fields in reading order; the two selects chosen with Enter, the arrows and Enter.
        await ScanStepAsync(page, "Business details");
        await TabToAsync(page, "[data-testid=business-name]");
        await page.Keyboard.TypeAsync("Keyboard Goods Ltd");
        await NextFieldAsync(page, "[data-testid=cac-number]");
        await page.Keyboard.TypeAsync(cac);
        await NextFieldAsync(page, "[data-testid=business-type]");
        await ChooseWithKeyboardAsync(page, "business-type", "Sole proprietorship");
        await NextFieldAsync(page, "[data-testid=industry]");
        await ChooseWithKeyboardAsync(page, "industry", "Retail");
        await NextFieldAsync(page, "[data-testid=address]");
        await page.Keyboard.TypeAsync("3 Marina Road, Lagos Island, Lagos");
        await NextFieldAsync(page, "[data-testid=website]");
        await NextFieldAsync(page, "[data-testid=next]");
        await page.Keyboard.PressAsync("Enter");
        await title.Filter(new() { HasText = "Contact" }).WaitForAsync();

        // Step 2.
        await ScanStepAsync(page, "Contact");
        await TabToAsync(page, "[data-testid=contact-email]");
        await page.Keyboard.TypeAsync("hello@keyboard.example");
        await NextFieldAsync(page, "[data-testid=contact-phone]");
        await page.Keyboard.TypeAsync("+234 803 555 0101");
        await TabToAsync(page, "[data-testid=next]", maxPresses: 4);
        await page.Keyboard.PressAsync("Enter");
        await title.Filter(new() { HasText = "Beneficial owners" }).WaitForAsync();

        // Step 3: the date is typed into the editable date picker; the attestation is a checkbox ticked with Space.
        await ScanStepAsync(page, "Beneficial owners");
        await TabToAsync(page, "[data-testid=owner-name]");
        await page.Keyboard.TypeAsync("Tunde Bakare");
        await NextFieldAsync(page, "[data-testid=owner-dob]");
        await page.Keyboard.TypeAsync("1980-05-17");
        await TabToAsync(page, "[data-testid=owner-nationality]", maxPresses: 3);
        await page.Keyboard.TypeAsync("Nigerian");
        await NextFieldAsync(page, "[data-testid=owner-percent]");
        await page.Keyboard.TypeAsync("100");
        await TabToAsync(page, "[data-testid=owners-attest]", maxPresses: 3);
        await page.Keyboard.PressAsync("Space");
        await Assertions.Expect(page.Locator("[data-testid=owners-attest] input[type=checkbox], input[type=checkbox][data-testid=owners-attest]").First).ToBeCheckedAsync();
        await TabToAsync(page, "[data-testid=next]", maxPresses: 4);
        await page.Keyboard.PressAsync("Enter");
        await title.Filter(new() { HasText = "Settlement account" }).WaitForAsync();

        // Step 4.
        await ScanStepAsync(page, "Settlement account");
        await TabToAsync(page, "[data-testid=bank-name]");
        await page.Keyboard.TypeAsync("Zenith Bank");
        await NextFieldAsync(page, "[data-testid=account-name]");
        await page.Keyboard.TypeAsync("Keyboard Goods Ltd");
        await NextFieldAsync(page, "[data-testid=account-number]");
        await page.Keyboard.TypeAsync("0123456789");
        await TabToAsync(page, "[data-testid=next]", maxPresses: 4);
        await page.Keyboard.PressAsync("Enter");
        await title.Filter(new() { HasText = "Documents" }).WaitForAsync();

        // Step 5: the file control is reached with Tab, shows focus on its drop zone, and Space opens the file chooser.
        await ScanStepAsync(page, "Documents");
        await page.Locator("[data-testid=requirements]").WaitForAsync();
        await TabToAsync(page, "input[type=file]");
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Keyboard.PressAsync("Space"));
        chooser.IsMultiple.ShouldBeTrue();
        await chooser.SetFilesAsync(new[]
        {
            new FilePayload { Name = "director-id.png", MimeType = "image/png", Buffer = TestImages.IdCardPng() },
            new FilePayload { Name = "utility-bill.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("utility bill") },
            new FilePayload { Name = "statement.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("bank statement") },
        });
        await Assertions.Expect(page.Locator("[data-testid=pending-file]")).ToHaveCountAsync(3);
        await TabToAsync(page, "[data-testid=upload-all]");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=requirements] [data-testid=document-state]").Filter(new() { HasText = "Uploaded" })).ToHaveCountAsync(3);
        // The "uploaded" toasts are announced politely, not as alerts that interrupt (portal.js turns MudSnackbar's role=alert into a status).
        await page.Locator(".mud-snackbar").First.WaitForAsync();
        var toast = page.Locator(".mud-snackbar[role=status], .mud-snackbar [role=status]").First;
        await Assertions.Expect(toast).ToHaveAttributeAsync("aria-live", "polite");
        await Assertions.Expect(page.Locator(".mud-snackbar[role=alert], .mud-snackbar [role=alert]")).ToHaveCountAsync(0);
        await TabToAsync(page, "[data-testid=next]");
        await page.Keyboard.PressAsync("Enter");
        await title.Filter(new() { HasText = "Review and submit" }).WaitForAsync();
        (await page.Locator("[data-testid=review]").InnerTextAsync()).ShouldContain("Sole proprietorship");

        // Step 6: submit.
        await ScanStepAsync(page, "Review and submit");
        await TabToAsync(page, "[data-testid=submit]");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Submitted" }).WaitForAsync();
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
    internal static async Task<Guid> SubmittedCaseAsync(PortalFactory factory, string cac, string business)
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
        return merchant.MerchantId!.Value;
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

    /// <summary>axe (WCAG 2.x A and AA) on the wizard's current step, in light and dark theme, at the session's width and at 390 px.</summary>
    private static async Task ScanStepAsync(IPage page, string step)
    {
        // A toast still fading in or out is part transparent, and axe measures that as low contrast; with reduced motion
        // (the portal honours it) toasts are either fully shown or gone, so the scan sees their real colours.
        await page.EmulateMediaAsync(new() { ReducedMotion = ReducedMotion.Reduce });
        // The theme is switched with the app bar's toggle (a click: scaffolding, not part of the journey), so focus is put
        // back where the journey left it before the journey goes on.
        var focused = await page.EvaluateHandleAsync("() => document.activeElement");
        var findings = new List<string>();
        foreach (var dark in new[] { false, true })
        {
            await page.SetViewportSizeAsync(1360, 860);
            await UseThemeAsync(page, dark);
            foreach (var width in new[] { 1360, 390 })
            {
                await page.SetViewportSizeAsync(width, 860);
                await page.WaitForTimeoutAsync(250);
                var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. AccessibilityScanTests.WcagTags] } });
                findings.AddRange(result.Violations.Select(v => $"wizard step {step} {(dark ? "dark" : "light")} at {width}px: {v.Id} ({v.Impact}) {v.Help}: "
                    + string.Join("; ", v.Nodes.Take(3).Select(n => n.Target.ToString()))));
            }
        }

        await page.SetViewportSizeAsync(1360, 860);
        await UseThemeAsync(page, dark: false);
        await page.EvaluateAsync("e => { if (e && e.isConnected && e !== document.body) e.focus(); }", focused);
        findings.ShouldBeEmpty(string.Join("\n", findings));
    }

    /// <summary>Switches the theme with the app bar's toggle if it is not already the one asked for.</summary>
    private static async Task UseThemeAsync(IPage page, bool dark)
    {
        var wanted = page.Locator($"[data-theme={(dark ? "dark" : "light")}]");
        if (await wanted.CountAsync() > 0)
        {
            return;
        }

        await page.Locator("[data-testid=dark-toggle]").ClickAsync();
        await wanted.WaitForAsync();
        await page.Mouse.MoveAsync(5, 600); // away from the toggle: its tooltip is not part of the step
    }

    /// <summary>The next control in the tab order (one press, or two where a field has a button of its own) is <paramref name="selector"/>.</summary>
    private static Task NextFieldAsync(IPage page, string selector) => TabToAsync(page, selector, maxPresses: 2);

    /// <summary>
    /// On a focused MudSelect: Enter opens the list, ArrowDown moves the highlight to <paramref name="option"/> without
    /// choosing it, Enter chooses it and closes the list, focus stays on the select.
    /// </summary>
    private static async Task ChooseWithKeyboardAsync(IPage page, string testId, string option)
    {
        var select = page.Locator(".mud-select").Filter(new() { Has = page.Locator($"[data-testid={testId}]") }).Last;
        var before = await select.InnerTextAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync();
        string? highlighted = null;
        for (var i = 0; i < 40 && highlighted != option; i++)
        {
            var previous = await HighlightedAsync(page);
            await page.Keyboard.PressAsync("ArrowDown");
            // The highlight moves a server round trip later.
            for (var wait = 0; wait < 30 && (highlighted = await HighlightedAsync(page)) == previous; wait++)
            {
                await page.WaitForTimeoutAsync(100);
            }
        }

        highlighted.ShouldBe(option, $"{option} was not reached with the arrow keys in {testId}");
        (await select.InnerTextAsync()).ShouldBe(before, "the arrow keys chose a value before Enter was pressed");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await Assertions.Expect(select).ToContainTextAsync(option);
        // MudSelect puts focus back on itself after the list closes (a round trip later).
        try
        {
            await page.WaitForFunctionAsync("e => e.contains(document.activeElement)", await select.ElementHandleAsync(), new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
            var at = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : 'nothing'");
            throw new ShouldAssertException($"focus left {testId} after choosing; it is on {at}");
        }
    }

    /// <summary>The highlighted option: the focused combobox's aria-activedescendant, else the list's highlighted item.</summary>
    private const string HighlightScript = """
        (() => {
          const a = document.activeElement;
          const id = a && a.getAttribute('aria-activedescendant');
          const e = (id && document.getElementById(id)) || document.querySelector('.mud-popover-open .mud-list-item.mud-selected-item');
          return e ? e.textContent.trim() : null;
        })()
        """;

    private static Task<string?> HighlightedAsync(IPage page) => page.EvaluateAsync<string?>("() => " + HighlightScript);

    /// <summary>Presses Tab (or Shift+Tab) until the focused element matches <paramref name="selector"/>, then checks focus shows.</summary>
    internal static async Task TabToAsync(IPage page, string selector, bool backwards = false, int maxPresses = 80)
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
    internal static async Task ShouldShowFocusAsync(IPage page)
    {
        var shows = await page.EvaluateAsync<bool>("""
            () => {
              const a = document.activeElement;
              if (!a || a === document.body) return false;
              if (a.closest('.mud-input-control') && a.closest('.mud-input')?.matches('.mud-focused, :focus-within')) return true;
              const drawn = e => { const s = getComputedStyle(e); return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; };
              // Visually hidden native inputs show focus on what the user sees: the drop zone, the checkbox's box.
              if (a.matches('input[type=file]')) { const zone = a.closest('.mud-file-upload')?.querySelector('.portal-drop'); return !!zone && drawn(zone); }
              if (a.matches('input[type=checkbox], input[type=radio]')) { const box = a.closest('.mud-checkbox, .mud-radio, .mud-switch'); return !!box && drawn(box); }
              const s = getComputedStyle(a);
              return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
            }
            """);
        shows.ShouldBeTrue($"focus is not visible on {await page.EvaluateAsync<string>("() => document.activeElement.outerHTML.slice(0, 160)")}");
    }
}
