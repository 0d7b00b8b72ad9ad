using Microsoft.Playwright;
using Portal.Auth;
using static Portal.Tests.E2E.Accessibility.AccessibilityScanTests;

namespace Portal.Tests.E2E.Accessibility;

/// <summary>
/// Issue 22's "Whole app" items: each role's home and one list fit a 390x844 phone with Sign out and the theme toggle in
/// the app bar's menu; the stored theme is in the server's first paint (sign-in included); focus shows on the sign-in
/// page; the two-factor page opened from the nav stays in the app shell with a way back.
/// </summary>
public sealed class WholeAppTests(BrowserFixture browser)
{
    /// <summary>Each role's home and lists, the pages a phone user opens first.</summary>
    public static TheoryData<string, string[]> PhonePages => new()
    {
        { PortalRoles.Merchant, ["/", "/payments", "/payments/{payment}"] },
        { PortalRoles.Admin, ["/", "/admin/merchants", "/admin/transactions"] },
        { PortalRoles.Compliance, ["/", "/compliance/audit"] },
    };

    [Theory]
    [MemberData(nameof(PhonePages))]
    public async Task Home_and_a_list_fit_a_phone_and_sign_out_is_in_the_app_bar_menu(string role, string[] pages)
    {
        await using var session = await PortalSession.StartAsync(browser);
        var data = await SampleData.CreateAsync(session);
        await SignInAsync(session, role, data);
        await session.Page.SetViewportSizeAsync(390, 844);

        var problems = new List<string>();
        foreach (var template in pages)
        {
            var url = template.Replace("{payment}", data.PaymentId, StringComparison.Ordinal);
            await session.Page.GotoAsync(url);
            await SettleAsync(session, dark: false);
            problems.AddRange((await session.Page.EvaluateAsync<string[]>(OverflowScript)).Select(p => $"{url}: {p}"));
        }

        problems.ShouldBeEmpty(string.Join("\n", problems));

        // The bar's wide controls are hidden; its menu holds who is signed in, the theme toggle and Sign out.
        await Assertions.Expect(session.Page.Locator("[data-testid=dark-toggle]")).ToBeHiddenAsync();
        await session.Page.Locator("[data-testid=account-menu] button").ClickAsync();
        await Assertions.Expect(session.Page.Locator("[data-testid=menu-dark-toggle]")).ToBeVisibleAsync();
        await Assertions.Expect(session.Page.Locator("[data-testid=menu-user]")).ToContainTextAsync(role);
        var signOut = session.Page.Locator("[data-testid=menu-sign-out]");
        await Assertions.Expect(signOut).ToBeInViewportAsync();
        await signOut.ClickAsync();
        await session.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_stored_theme_is_in_the_first_paint_of_sign_in_and_of_signed_in_pages()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var data = await SampleData.CreateAsync(session);
        // The server's HTML, before any script: what the browser paints first.
        async Task<string> FirstPaintAsync(string url) => await (await session.Page.Context.APIRequest.GetAsync(url)).TextAsync();
        const string darkLayout = "portal-theme-dark"; // the app shell rendered in the dark palette

        await UseThemeAsync(session, dark: true);
        var signIn = await FirstPaintAsync("/account/login");
        signIn.ShouldContain("data-theme=\"dark\"");

        await SignInAsync(session, PortalRoles.Merchant, data);
        (await FirstPaintAsync("/payments")).ShouldContain(darkLayout);

        await UseThemeAsync(session, dark: false);
        (await FirstPaintAsync("/payments")).ShouldNotContain(darkLayout);
        (await FirstPaintAsync("/account/login")).ShouldContain("data-theme=\"light\"");
    }

    [Fact]
    public async Task Focus_shows_on_the_sign_in_button_and_links_in_both_themes()
    {
        await using var session = await PortalSession.StartAsync(browser);
        foreach (var dark in new[] { false, true })
        {
            await UseThemeAsync(session, dark);
            await session.Page.GotoAsync("/account/login");
            await session.Page.Locator($"[data-theme={(dark ? "dark" : "light")}]").WaitForAsync();
            await KeyboardJourneyTests.TabToAsync(session.Page, "button[type=submit]"); // checks the focus shows
            await KeyboardJourneyTests.TabToAsync(session.Page, "a[href='/account/forgot-password']");
        }
    }

    [Fact]
    public async Task The_two_factor_page_opened_from_the_nav_stays_in_the_app_shell_with_a_way_back()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var data = await SampleData.CreateAsync(session);
        await SignInAsync(session, PortalRoles.Merchant, data);

        await session.Page.ClickAsync("[data-testid=nav] a[href='/account/mfa']");
        await session.Page.WaitForURLAsync("**/account/mfa");
        await session.Page.GetByRole(AriaRole.Heading, new() { Name = "Two-factor authentication", Level = 1 }).WaitForAsync();
        await Assertions.Expect(session.Page.Locator(".portal-appbar")).ToBeVisibleAsync();
        await Assertions.Expect(session.Page.Locator(".portal-appbar form.portal-signout button")).ToBeVisibleAsync();
        await Assertions.Expect(session.Page.Locator("main#main-content [data-testid=totp-key]")).ToBeVisibleAsync();

        await session.Page.ClickAsync("[data-testid=back-to-portal]");
        await session.WaitForInteractiveAsync();
        await session.Page.Locator("[data-testid=home-merchant]").WaitForAsync();
        session.ConsoleErrors.ShouldBeEmpty();
    }

    /// <summary>
    /// What does not fit a phone: the page scrolls sideways, or something in main sticks out of the screen without a
    /// scroll region of its own; and a scroll region the keyboard cannot reach (nothing focusable in it, no tabindex).
    /// </summary>
    private const string OverflowScript = """
        () => {
          const problems = [];
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth > width + 1) problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
          const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
          const main = document.querySelector('main');
          for (const e of main ? main.querySelectorAll('*') : []) {
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.right <= width + 1) continue;
            let a = e.parentElement, held = false;
            while (a && a !== main.parentElement) { if (scrolls(a)) { held = true; break; } a = a.parentElement; }
            if (!held) { problems.push(`${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ends at ${Math.round(r.right)}px`); break; }
          }
          for (const s of main ? main.querySelectorAll('*') : []) {
            if (!scrolls(s) || s.scrollWidth <= s.clientWidth + 1) continue;
            const reachable = s.tabIndex >= 0 || s.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])');
            if (!reachable) problems.push(`${s.tagName.toLowerCase()}.${[...s.classList].join('.')} scrolls sideways but the keyboard cannot reach it`);
          }
          return problems;
        }
        """;
}
