using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Tests.Contract;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Reliability;

/// <summary>
/// The portal as a real process (Release build, embedded storage) is killed with SIGKILL in the middle of a burst of
/// payments and started again on the same data folder: every payment acknowledged with 201 is there, none exists twice,
/// a client retrying its unanswered requests with the same keys gets each payment once, and every outbox event reaches the
/// merchant's webhook endpoint at least once.
/// </summary>
public sealed class CrashRecoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Acknowledged_payments_survive_a_kill_none_exists_twice_and_every_event_is_delivered()
    {
        using var receiver = new WebhookReceiver();
        var data = Path.Combine(Path.GetTempPath(), "portal-crash", Guid.NewGuid().ToString("N"));
        string key;
        var acknowledged = new ConcurrentDictionary<string, string>();
        var attempted = new ConcurrentBag<string>();

        await using (var portal = await StartPortalAsync(data))
        {
            key = portal.Output.Select(line => line.Split("(shown once): ", 2)).Where(p => p.Length == 2).Select(p => p[1].Trim()).First();
            using var client = Client(portal.Url, key);
            using (var endpoint = await client.PostAsync("/api/v1/webhook_endpoints", new StringContent(
                $$"""{"url": "{{receiver.Url}}", "enabled_events": ["*"], "description": "crash test"}""", Encoding.UTF8, "application/json"), Ct))
            {
                endpoint.StatusCode.ShouldBe(HttpStatusCode.Created, await endpoint.Content.ReadAsStringAsync(Ct));
            }

            using var burst = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !burst.IsCancellationRequested; i++)
                {
                    var order = $"o-{w}-{i}";
                    attempted.Add(order);
                    try
                    {
                        using var response = await PayAsync(client, order, CancellationToken.None);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            acknowledged[order] = (await response.JsonAsync()).GetProperty("id").GetString()!;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the portal is gone
                    }
                }
            })).ToList();

            while (acknowledged.Count < 300)
            {
                await Task.Delay(20, Ct);
            }

            await portal.Process.KillAsync();
            await burst.CancelAsync();
            await Task.WhenAll(workers);
        }

        await using (var restarted = await StartPortalAsync(data))
        {
            using var client = Client(restarted.Url, key);
            var stored = await ListAllAsync(client);
            stored.Select(p => p.Id).ShouldBeUnique();
            stored.Select(p => p.Order).ShouldBeUnique();
            var byOrder = stored.ToDictionary(p => p.Order, p => p.Id);
            foreach (var (order, id) in acknowledged)
            {
                byOrder.ShouldContainKeyAndValue(order, id);
            }

            // The client retries what was never answered, with the same keys: each payment exists once.
            var unanswered = attempted.Where(o => !acknowledged.ContainsKey(o)).Distinct().ToList();
            foreach (var order in unanswered)
            {
                using var retry = await PayAsync(client, order, Ct);
                retry.StatusCode.ShouldBe(HttpStatusCode.Created, await retry.Content.ReadAsStringAsync(Ct));
            }

            var after = await ListAllAsync(client);
            after.Select(p => p.Order).ShouldBeUnique();
            after.Count.ShouldBe(acknowledged.Count + unanswered.Count);

            // At least once: every event in the outbox (before and after the kill) reaches the receiver.
            var events = OutboxEventIds(Path.Combine(data, "payments.db"));
            events.Count.ShouldBeGreaterThanOrEqualTo(2 * after.Count);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (events.Except(receiver.EventIds).Any() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, Ct);
            }

            events.Except(receiver.EventIds).ShouldBeEmpty();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    private static HashSet<string> OutboxEventIds(string database)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM outbox";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            ids.Add("evt_" + reader.GetString(0));
        }

        return ids;
    }

    private static HttpClient Client(Uri url, string key)
    {
        var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<HttpResponseMessage> PayAsync(HttpClient client, string order, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = new StringContent($$"""{"amount": 1500, "currency": "eur", "customer_id": "cus_{{order}}", "payment_method": "pm_card_visa", "order_id": "{{order}}"}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", order);
        return await client.SendAsync(request, cancellationToken);
    }

    private static async Task<List<(string Id, string Order)>> ListAllAsync(HttpClient client)
    {
        var all = new List<(string, string)>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync("/api/v1/payments?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), Ct)).JsonAsync();
            all.AddRange(page.GetProperty("data").EnumerateArray().Select(p => (p.GetProperty("id").GetString()!, p.GetProperty("order_id").GetString()!)));
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);
        return all;
    }

    private static async Task<RunningPortal> StartPortalAsync(string data)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(root, "Portal", "bin", configuration, "net10.0", "Portal.dll");
        var port = EmulatorProcess.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var process = EmulatorProcess.Start("portal", "dotnet", root,
            ["exec", dll, "--contentRoot", Path.Combine(root, "Portal"), "--urls", url.ToString(), "--environment", "Development",
                "--Portal:DataPath", data, "--Logging:LogLevel:Default", "Warning", "--Webhooks:Timeout", "00:00:02", "--Payments:RequestsPerSecondPerMerchant", "100000", "--Webhooks:RetryDelays:0", "00:00:01"],
            $"dotnet could not start {dll}: build the solution first.");
        using var probe = new HttpClient { BaseAddress = url };
        await process.WaitUntilReadyAsync(async token => (await probe.GetAsync("/health/ready", token)).EnsureSuccessStatusCode(), TimeSpan.FromSeconds(90),
            TimeSpan.FromMilliseconds(200));
        return new RunningPortal(process, url);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No Portal.sln above the test assembly.");
    }

    private sealed record RunningPortal(EmulatorProcess Process, Uri Url) : IAsyncDisposable
    {
        public IReadOnlyList<string> Output => Process.Output;

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>The merchant's webhook endpoint: records the ids of the events it receives (duplicates are expected).</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly System.Net.HttpListener _listener = new();
        private readonly ConcurrentDictionary<string, int> _received = new(StringComparer.Ordinal);

        public WebhookReceiver()
        {
            Url = new Uri($"http://127.0.0.1:{EmulatorProcess.FreePort()}/hooks/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public Uri Url { get; }

        public ICollection<string> EventIds => _received.Keys;

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                System.Net.HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    var id = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.GetProperty("id").GetString()!;
                    _received.AddOrUpdate(id, 1, (_, n) => n + 1);
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
    }
}
