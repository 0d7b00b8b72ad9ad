using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>
/// One E2E test's world: its own portal on a free Kestrel port with a fresh data folder, and its own browser context.
/// Console errors (a CSP violation, a failed script) are collected so tests can assert the page ran clean.
/// </summary>
public sealed partial class PortalSession : IAsyncDisposable
{
    public const string DemoPassword = "Demo-Portal-2026!";

    private readonly IBrowserContext _context;

    private PortalSession(PortalFactory factory, string baseUrl, IBrowserContext context, IPage page)
    {
        Factory = factory;
        BaseUrl = baseUrl;
        _context = context;
        Page = page;
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                // A failed resource names no URL in its console text: add it, so a failure says which request it was.
                ConsoleErrors.Add(message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal) ? $"{message.Text} ({message.Location})" : message.Text);
            }
        };
    }

    public PortalFactory Factory { get; }

    public string BaseUrl { get; }

    public IPage Page { get; }

    public List<string> ConsoleErrors { get; } = [];

    public static async Task<PortalSession> StartAsync(BrowserFixture browser, Action<PortalFactory>? configure = null)
    {
        // The journeys sign in with the demo accounts and follow links from /dev/outbox: developer conveniences.
        var factory = new PortalFactory().InDevelopment();
        configure?.Invoke(factory);
        var baseUrl = factory.StartKestrel();
        var context = await (await browser.GetAsync()).NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1360, Height = 860 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        return new PortalSession(factory, baseUrl, context, page);
    }

    public async Task SignInAsync(string email, string password)
    {
        await Page.GotoAsync("/account/login");
        await Page.FillAsync("#email", email);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("button[type=submit]");
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    /// <summary>Signs in a user with TOTP enrolled (key from <see cref="EnrolTotpAsync"/>), answering the code challenge.</summary>
    public async Task SignInWithTotpAsync(string email, string password, string totpKey)
    {
        await SignInAsync(email, password);
        await Page.WaitForURLAsync(new Regex("/account/login-2fa"));
        await Page.FillAsync("#code", Totp.NextCode(totpKey));
        await Page.ClickAsync("button[type=submit]");
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    /// <summary>Blazor's circuit is up: clicks and typing now reach the server.</summary>
    public Task WaitForInteractiveAsync() => Page.Locator("[data-circuit=interactive]").WaitForAsync();

    /// <summary>On the enrolment page: reads the key, types the current code, returns the key for later challenges.</summary>
    public async Task<string> EnrolTotpAsync()
    {
        await Page.WaitForURLAsync(new Regex("/account/mfa"));
        var key = (await Page.Locator("[data-testid=totp-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await Page.FillAsync("#code", Totp.Code(key));
        await Page.ClickAsync("button[type=submit]");
        await Page.Locator("[data-testid=recovery-codes]").WaitForAsync();
        await Page.ClickAsync("[data-testid=mfa-continue]");
        return key;
    }

    public async Task<string[]> NavHrefsAsync()
    {
        await WaitForInteractiveAsync();
        var links = Page.Locator("[data-testid=nav] a");
        var hrefs = new List<string>();
        for (var i = 0; i < await links.CountAsync(); i++)
        {
            hrefs.Add((await links.Nth(i).GetAttributeAsync("href"))!);
        }

        return [.. hrefs];
    }

    public async Task SignOutAsync()
    {
        await Page.ClickAsync("form.portal-signout button");
        await Page.WaitForURLAsync(new Regex("/account/login"));
    }

    /// <summary>Saves a screenshot under PORTAL_SCREENSHOTS (docs/screenshots when refreshing the README), else the temp folder.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Environment.GetEnvironmentVariable("PORTAL_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "portal-screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        // The browser context closes before the host stops, so no circuit is torn down under a live page.
        await _context.CloseAsync();
        await Factory.DisposeAsync();
    }
}
