// The live monitor under load (issue 26), driven from the core the portal is not pinned to: headless Chromium
// monitors and the payment load generator. Prints the four budgets against the same run with no viewers.
// Usage: MonitorBench <portal url> <api key> [viewers=20] [payments=2000] [clients=32] [idle minutes=5] [merchants=100]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

var baseUrl = args[0].TrimEnd('/');
var apiKey = args[1];
var viewers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
var payments = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000;
var clients = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 32;
var idleMinutes = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 5;
var merchants = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 100;
const string Password = "Demo-Portal-2026!";

using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
var accepted = new ConcurrentDictionary<string, (long Order, long At)>();
long order = 0;
var run = Guid.NewGuid().ToString("N")[..8];

async Task<string> PayAsync(string tag)
{
    var body = JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["amount"] = 2500, ["currency"] = "usd", ["customer_id"] = $"cus_{tag}", ["payment_method"] = "pm_card_visa", ["order_id"] = $"ord_{tag}",
    });
    for (var attempt = 0; ; attempt++)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", $"bench-{run}-{tag}");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
            accepted[id] = (Interlocked.Increment(ref order), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return id;
        }

        if ((int)response.StatusCode is 503 or 429 && attempt < 50)
        {
            await Task.Delay(50);
            continue;
        }

        throw new InvalidOperationException($"payment failed: {(int)response.StatusCode} {text}");
    }
}

async Task<double> BurstAsync(string name, int count)
{
    var next = 0;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) <= count)
        {
            await PayAsync($"{name}-{i}");
        }
    }));
    return count / watch.Elapsed.TotalSeconds;
}

async Task<JsonElement> MetricsAsync(bool collect = false) =>
    JsonDocument.Parse(await http.GetStringAsync("/dev/live-metrics" + (collect ? "?collect=true" : ""))).RootElement;

async Task<double> SteadyMemoryMbAsync()
{
    // Several forced collections a second apart: what is left is what the portal holds.
    long bytes = 0;
    for (var i = 0; i < 3; i++)
    {
        bytes = (await MetricsAsync(collect: true)).GetProperty("working_set_bytes").GetInt64();
        await Task.Delay(1000);
    }

    return bytes / 1048576.0;
}

// In each monitor page: when the top row of the grid changes, note the time and the id.
const string Watcher = """
    () => {
      window.__top = [];
      let last = null;
      const look = () => {
        const el = document.querySelector('[data-testid=payments-grid] [data-testid=payment-id]');
        const id = el ? el.textContent.trim() : null;
        if (id && id !== last) { last = id; window.__top.push([Date.now(), id]); }
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
      look();
    }
    """;

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_CHROMIUM") ?? "/usr/bin/chromium",
    Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

async Task<IBrowserContext> SignedInAsync(string email)
{
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
    context.SetDefaultTimeout(120_000);
    var page = await context.NewPageAsync();
    await page.GotoAsync("/account/login");
    await page.FillAsync("#email", email);
    await page.FillAsync("#password", Password);
    await page.ClickAsync("button[type=submit]");
    await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    await page.CloseAsync();
    return context;
}

async Task<IPage> OpenMonitorAsync(IBrowserContext context, string path)
{
    var page = await context.NewPageAsync();
    await page.GotoAsync(path);
    await page.Locator("[data-circuit=interactive]").WaitForAsync();
    await page.Locator("[data-testid=live-payments]").WaitForAsync(); // the grid, or the first-payment help while there is none
    await page.EvaluateAsync(Watcher);
    return page;
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    values.Sort();
    return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p / 100 * values.Count) - 1)];
}

Console.WriteLine($"== warm-up: 300 payments");
await BurstAsync("warm", 300);
await Task.Delay(2000);

Console.WriteLine($"== burst with no viewers: {payments} payments, {clients} clients");
var rateNone = await BurstAsync("none", payments);
Console.WriteLine($"payments/s, no viewers: {rateNone:F0}");
await Task.Delay(3000);
var idleMb = await SteadyMemoryMbAsync();
Console.WriteLine($"portal memory idle (after forced GC): {idleMb:F1} MB");

Console.WriteLine($"== opening {viewers} admin monitors (/admin/transactions)");
var admin = await SignedInAsync("admin@demo.local");
var pages = new List<IPage> { await OpenMonitorAsync(admin, "/admin/transactions") };
await Task.Delay(3000);
var oneMb = await SteadyMemoryMbAsync(); // the first monitor also pays one-time costs (JIT, component types, static assets)
for (var i = 1; i < viewers; i++)
{
    pages.Add(await OpenMonitorAsync(admin, "/admin/transactions"));
}

await Task.Delay(5000);
var openMb = await SteadyMemoryMbAsync();
var perMonitor = (openMb - oneMb) / Math.Max(1, viewers - 1);
Console.WriteLine($"portal memory with 1 monitor open: {oneMb:F1} MB; with {viewers}: {openMb:F1} MB ({perMonitor:F2} MB per further monitor, {(openMb - idleMb) / viewers:F2} MB each counting the first one's one-time costs)");

Console.WriteLine($"== burst with {viewers} viewers: {payments} payments, {clients} clients");
var burstStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
accepted.Clear();
Interlocked.Exchange(ref order, 0);
var rateViewers = await BurstAsync("viewers", payments);
var burstEnd = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
Console.WriteLine($"payments/s, {viewers} viewers: {rateViewers:F0} ({rateViewers / rateNone:F2}x of none)");
await Task.Delay(3000);
var after = await PayAsync("after-burst");
await Task.Delay(5000);

// Latency: for samples of accepted payments (every 20th during the burst, and the one after it), how long until each
// screen's top row was that payment or a newer one.
var byId = accepted.ToDictionary(p => p.Key, p => p.Value);
var samples = byId.Where(p => p.Value.Order % 20 == 0).Select(p => p.Value).ToList();
var afterSample = byId[after];
var during = new List<double>();
var afterLatency = new List<double>();
var never = 0;
foreach (var page in pages)
{
    var tops = (await page.EvaluateAsync<JsonElement>("() => window.__top")).EnumerateArray()
        .Select(e => (At: e[0].GetDouble(), Id: e[1].GetString()!))
        .Where(t => byId.ContainsKey(t.Id))
        .Select(t => (t.At, Order: byId[t.Id].Order))
        .ToList();
    double? Shown((long Order, long At) sample) =>
        tops.Where(t => t.Order >= sample.Order && t.At >= sample.At - 5).Select(t => (double?)(t.At - sample.At)).FirstOrDefault()
        ?? (tops.Any(t => t.Order >= sample.Order) ? 0 : null);
    foreach (var sample in samples)
    {
        if (Shown(sample) is { } ms)
        {
            during.Add(Math.Max(0, ms));
        }
        else
        {
            never++;
            during.Add(double.PositiveInfinity);
        }
    }

    if (Shown(afterSample) is { } a)
    {
        afterLatency.Add(Math.Max(0, a));
    }
    else
    {
        never++;
        afterLatency.Add(double.PositiveInfinity);
    }
}

var renders = (await MetricsAsync()).GetProperty("renders").GetInt64();
Console.WriteLine($"newest payment on screen, during the burst: p50 {Percentile(during, 50):F0} ms, p95 {Percentile(during, 95):F0} ms ({during.Count} samples over {viewers} screens, {never} never shown)");
Console.WriteLine($"a payment right after the burst: p95 {Percentile(afterLatency, 95):F0} ms, max {afterLatency.Max():F0} ms");

Console.WriteLine($"== closing the monitors; waiting {idleMinutes} min");
await admin.CloseAsync();
await Task.Delay(TimeSpan.FromMinutes(idleMinutes));
var leftMb = await SteadyMemoryMbAsync();
var open = (await MetricsAsync()).GetProperty("open_subscriptions").GetInt32();
Console.WriteLine($"portal memory {idleMinutes} min after the viewers left: {leftMb:F1} MB ({(leftMb / idleMb - 1) * 100:+0.0;-0.0}% of idle), open subscriptions {open}");

var merchantsResult = "skipped";
if (merchants > 0)
{
    Console.WriteLine($"== {merchants} merchants on their own payments page while one bursts");
    var merchantPages = new List<(IBrowserContext Context, IPage Page)>();
    // The demo merchant (who bursts) plus bench1..bench{merchants-1}.
    var emails = new List<string> { "merchant1@demo.local" };
    emails.AddRange(Enumerable.Range(1, merchants - 1).Select(i => $"bench{i}@demo.local"));
    foreach (var email in emails)
    {
        var context = await SignedInAsync(email);
        merchantPages.Add((context, await OpenMonitorAsync(context, "/payments")));
    }

    await Task.Delay(5000);
    var before = await MetricsAsync();
    await BurstAsync("merchants", Math.Min(payments, 500));
    await Task.Delay(3000);
    var afterMetrics = await MetricsAsync();
    static Dictionary<string, long> Map(JsonElement e, string name) => e.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    var updatesBefore = Map(before, "updates_by_merchant");
    var updatesAfter = Map(afterMetrics, "updates_by_merchant");
    var rendersBefore = Map(before, "renders_by_merchant");
    var rendersAfter = Map(afterMetrics, "renders_by_merchant");
    var moved = updatesAfter.Where(p => p.Value != updatesBefore.GetValueOrDefault(p.Key)).Select(p => p.Key).ToList();
    var rendered = rendersAfter.Where(p => p.Value != rendersBefore.GetValueOrDefault(p.Key)).Select(p => p.Key).ToList();
    var topNewest = await merchantPages[0].Page.Locator("[data-testid=payments-grid] [data-testid=payment-id]").First.TextContentAsync();
    merchantsResult = $"merchant scopes that got updates: {moved.Count}, that rendered: {rendered.Count} (of {merchants}; only the bursting one may)";
    Console.WriteLine(merchantsResult);
    foreach (var (context, _) in merchantPages)
    {
        await context.CloseAsync();
    }
}

Console.WriteLine();
Console.WriteLine("== budgets (issue 26)");
Console.WriteLine($"payments/s with {viewers} viewers >= 0.8x none: {rateViewers:F0} vs {rateNone:F0} = {rateViewers / rateNone:F2}x  {(rateViewers >= 0.8 * rateNone ? "MET" : "NOT MET")}");
var p95 = Math.Max(Percentile(during, 95), Percentile(afterLatency, 95));
Console.WriteLine($"newest payment on every screen within 1 s p95: during {Percentile(during, 95):F0} ms, after {Percentile(afterLatency, 95):F0} ms  {(p95 <= 1000 ? "MET" : "NOT MET")}");
Console.WriteLine($"memory per open monitor < 2 MB: {perMonitor:F2} MB  {(perMonitor < 2 ? "MET" : "NOT MET")}; back within 10% of idle {idleMinutes} min after: {leftMb:F1} vs {idleMb:F1} MB  {(leftMb <= idleMb * 1.1 ? "MET" : "NOT MET")}");
Console.WriteLine($"{merchants} merchants, one bursting, the others do no work: {merchantsResult}");
Console.WriteLine($"(live renders in total: {renders})");
