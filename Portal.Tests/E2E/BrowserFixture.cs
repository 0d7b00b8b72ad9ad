using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Portal.Tests.E2E.BrowserFixture))]

namespace Portal.Tests.E2E;

/// <summary>
/// One headless Chromium for the whole run: Debian's system package (test.sh installs it), never a downloaded browser.
/// PORTAL_CHROMIUM overrides the path.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("PORTAL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}. Run ./test.sh (it installs Debian's chromium) or set PORTAL_CHROMIUM.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
