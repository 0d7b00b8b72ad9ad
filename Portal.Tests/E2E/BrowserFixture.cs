using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Portal.Tests.E2E.BrowserFixture))]

namespace Portal.Tests.E2E;

/// <summary>
/// One headless Chromium for the whole run: Debian's system package (test.sh installs it), never a downloaded browser.
/// PORTAL_CHROMIUM overrides the path.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("PORTAL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>The browser, launched on first use: a run without E2E tests (a filtered run) never starts Chromium.</summary>
    public async Task<IBrowser> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _browser ??= await LaunchAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IBrowser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}. Run ./test.sh (it installs Debian's chromium) or set PORTAL_CHROMIUM.");
        }

        _playwright = await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _gate.Dispose();
    }
}
