// Navigation to interactive (issue 22): for the sign-in page, the merchant list and the transaction monitor, the time
// from a navigation to the page's main control being usable with its data shown, over N loads after a warm-up.
// Not a test: a measurement, printed as p50/p95 per page (bar p95 < 400 ms, goal < 300 ms).
// Usage: PageSpeedBench <portal url> [loads=20] [warm-up loads=3]
using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

var baseUrl = args[0].TrimEnd('/');
var loads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var warmUp = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
const string Password = "Demo-Portal-2026!";

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_CHROMIUM") ?? "/usr/bin/chromium",
    Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

// "Interactive" per page: what a person needs before they can use it. Staff pages need the circuit (the button handlers
// live there) and the grid's rows; the sign-in page is a static form, usable once its submit button is enabled.
(string Name, string Path, string? Account, string[] ReadyWhen)[] pages =
[
    ("sign-in", "/account/login", null, ["#email", "button[type=submit]:enabled"]),
    ("merchant list", "/admin/merchants", "admin@demo.local", ["[data-circuit=interactive]", "[data-testid=merchants-grid] [data-testid=open-merchant]"]),
    ("transaction monitor", "/admin/transactions", "admin@demo.local", ["[data-circuit=interactive]", "[data-testid=live-payments]"]),
];

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
}

Console.WriteLine($"{loads} loads per page after {warmUp} warm-up loads; {Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var (name, path, account, readyWhen) in pages)
{
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
    context.SetDefaultTimeout(60_000);
    if (account is not null)
    {
        var signIn = await context.NewPageAsync();
        await signIn.GotoAsync("/account/login");
        await signIn.FillAsync("#email", account);
        await signIn.FillAsync("#password", Password);
        await signIn.ClickAsync("button[type=submit]");
        await signIn.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await signIn.CloseAsync();
    }

    var times = new List<double>();
    for (var i = 0; i < warmUp + loads; i++)
    {
        // A fresh tab each time, as a person opening the page: a new circuit, cached static assets.
        var page = await context.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        foreach (var selector in readyWhen)
        {
            await page.Locator(selector).First.WaitForAsync();
        }

        clock.Stop();
        if (i >= warmUp)
        {
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        await page.CloseAsync();
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-20} p50 {Percentile(times, 50),6:F0} ms   p95 {Percentile(times, 95),6:F0} ms   min {times.Min(),6:F0}   max {times.Max(),6:F0}"));
    await context.CloseAsync();
}
