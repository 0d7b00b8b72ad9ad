using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>
/// Hostile requests (<see cref="ApiFuzzer"/>) to every operation of /openapi/v1.json over real sockets, as an anonymous
/// caller, a merchant (API key), an admin and a compliance officer (bearer tokens): no answer may be a 5xx, carry a stack
/// trace, fail to arrive, or take longer than <see cref="RequestTimeout"/>. Every failure of the run is reported with the
/// request that caused it. The short run (fixed seed) is part of ./test.sh; bench/fuzz.sh sends many more random requests
/// through PORTAL_FUZZ_ITERATIONS and PORTAL_FUZZ_SEED.
/// </summary>
public sealed class ApiFuzzTests
{
    private const int DefaultSeed = 14;
    private const int DefaultIterations = 400;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    // What only a leaked exception or source path would put in a response body.
    private static readonly string[] StackTraceMarkers = ["   at ", "Exception", ".cs:line", "--- End of", "/Portal.Core/", "/Portal/"];

    [Fact]
    public async Task Every_operation_survives_hostile_requests_from_every_caller()
    {
        var seed = Setting("PORTAL_FUZZ_SEED", DefaultSeed);
        var iterations = Setting("PORTAL_FUZZ_ITERATIONS", DefaultIterations);
        // Sign-in attempts are part of the fuzzing: their per-minute limit would turn most of them into 429s.
        await using var factory = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "10000");
        // Over real sockets: Kestrel's own request parsing and connection handling are part of what is fuzzed.
        var address = new Uri(factory.StartKestrel());
        HttpClient Client(string? bearer)
        {
            // Hostile requests on purpose: the conformance handler validates only their answers against the document.
            var sockets = new SocketsHttpHandler { AllowAutoRedirect = false, RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
            var client = new HttpClient(new OpenApiConformanceHandler("fuzzing: hostile requests on purpose") { InnerHandler = sockets }) { BaseAddress = address };
            client.DefaultRequestHeaders.Authorization = bearer is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
            return client;
        }

        var (merchant, merchantKey) = await factory.MerchantKeyAsync();
        var callers = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = Client(null),
            ["merchant"] = Client(merchantKey),
            ["admin"] = Client(await factory.StaffTokenAsync(PortalRoles.Admin)),
            // Not in the brief's three, but the only role that reaches the audit endpoints.
            ["compliance"] = Client(await factory.StaffTokenAsync(PortalRoles.Compliance)),
        };
        var realIds = await RealIdsAsync(factory, merchant, callers["merchant"]);
        var tokenUser = (await factory.CreateUserAsync(PortalRoles.Admin)).User;
        realIds["userId"] = (await factory.CreateUserAsync(PortalRoles.Merchant)).User.Id;
        using var openApi = JsonDocument.Parse(await callers["anonymous"].GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var fuzzer = new ApiFuzzer(openApi, realIds, ValidValues(tokenUser.Email!));
        fuzzer.Operations.Count.ShouldBeGreaterThan(20, "the OpenAPI document lists every endpoint");

        var run = new FuzzRun(seed);
        async Task SystematicAsync(IEnumerable<ApiOperation> selected)
        {
            foreach (var operation in selected)
            {
                foreach (var (caller, client) in callers)
                {
                    var statuses = new List<int?>();
                    foreach (var request in fuzzer.Systematic(operation))
                    {
                        statuses.Add(await run.SendAsync(caller, client, request));
                    }

                    // Property by property only where this caller's body gets read: some answer was a success, or a 400 or 422
                    // for the broken bodies. (A caller refused by authorization sees 401 or 403 for all but the size and
                    // charset checks in front of it; the token endpoint answers 401 itself, after reading the body.)
                    if (statuses.Any(s => s is < 400 or 400 or 422))
                    {
                        foreach (var request in fuzzer.FieldMutations(operation))
                        {
                            await run.SendAsync(caller, client, request);
                        }
                    }
                }
            }
        }

        // Deletions last, and never random: they would remove the real objects the other operations work on.
        var deletions = fuzzer.Operations.Where(o => o.Method == "DELETE").ToList();
        var others = fuzzer.Operations.Except(deletions).ToList();
        await SystematicAsync(others);
        var random = new Random(seed);
        var names = callers.Keys.ToList();
        for (var i = 0; i < iterations; i++)
        {
            var caller = names[random.Next(names.Count)];
            await run.SendAsync(caller, callers[caller], fuzzer.Random(others[random.Next(others.Count)], random));
        }

        await SystematicAsync(deletions);
        foreach (var client in callers.Values)
        {
            client.Dispose();
        }

        var summary = run.Summary(fuzzer.Operations, iterations);
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("PORTAL_FUZZ_REPORT") is { Length: > 0 } reportPath)
        {
            await File.WriteAllTextAsync(reportPath, summary, TestContext.Current.CancellationToken);
        }

        run.Failures.ShouldBeEmpty(summary);
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>
    /// Takes the merchant through registration, a document upload and approval (payments need it), and returns real ids of
    /// its own objects by the path parameter names of the OpenAPI document.
    /// </summary>
    private static async Task<Dictionary<string, string>> RealIdsAsync(PortalFactory factory, Actor merchantActor, HttpClient merchant)
    {
        var cancel = TestContext.Current.CancellationToken;
        const string cac = "314160";
        var registered = await factory.Services.GetRequiredService<MerchantService>()
            .RegisterAsync(merchantActor, new RegisterMerchantRequest("Fuzz Shop Ltd", cac, "owner@fuzz.example"), cancel);
        registered.Succeeded.ShouldBeTrue(registered.Error?.Message);
        var ids = new Dictionary<string, string> { ["merchantId"] = "mer_" + merchantActor.MerchantId!.Value.ToString("N") };

        var documents = (await (await merchant.GetAsync($"/api/v1/merchants/{ids["merchantId"]}/documents", cancel)).JsonAsync()).EnumerateArray().ToList();
        ids["type"] = documents[0].GetProperty("type").GetString()!;
        using var upload = await merchant.PutAsync($"/api/v1/merchants/{ids["merchantId"]}/documents/{ids["type"]}",
            new ByteArrayContent([.. "%PDF-1.7\n%fuzz\n"u8]), cancel);
        ids["versionId"] = (await upload.JsonAsync()).GetProperty("version_id").GetString()!;
        await DemoMerchant.ApproveAsync(factory.Services, merchantActor, "Fuzz Shop Ltd", cac, cancel);

        using var endpoint = await merchant.PostAsJsonAsync("/api/v1/webhook_endpoints", new { url = "http://127.0.0.1:9/fuzz", enabled_events = new[] { "*" } });
        ids["endpointId"] = (await endpoint.JsonAsync()).GetProperty("id").GetString()!;
        using var payment = await merchant.PostAsJsonAsync("/api/v1/payments", new { amount = 2500, currency = "usd", customer_id = "cus_fuzz", payment_method = "pm_card_visa" });
        ids["paymentId"] = (await payment.JsonAsync()).GetProperty("id").GetString()!;

        // The payment's events reach the endpoint's delivery list shortly after, through the background dispatcher.
        for (var attempt = 0; attempt < 20 && !ids.ContainsKey("deliveryId"); attempt++)
        {
            var deliveries = (await (await merchant.GetAsync("/api/v1/webhook_deliveries", cancel)).JsonAsync()).GetProperty("data");
            if (deliveries.GetArrayLength() > 0)
            {
                ids["deliveryId"] = deliveries[0].GetProperty("id").GetString()!;
            }
            else
            {
                await Task.Delay(100, cancel);
            }
        }

        return ids;
    }

    /// <summary>Values each property's validation accepts, so that a mutation of one property reaches past the checks of the others.</summary>
    private static Dictionary<string, JsonNode> ValidValues(string staffEmail) => new()
    {
        ["amount"] = 2500,
        ["currency"] = "usd",
        ["customer_id"] = "cus_fuzz",
        ["payment_method"] = "pm_card_visa",
        ["order_id"] = "ord_fuzz",
        ["device_id"] = "dev_fuzz",
        ["ip_address"] = "203.0.113.7",
        ["country"] = "NG",
        ["metadata"] = new JsonObject { ["cart"] = "c-1" },
        ["reason"] = "requested_by_customer",
        ["business_name"] = "Fuzz Traders Ltd",
        ["cac_number"] = "271828",
        ["contact_email"] = "fuzz@traders.example",
        ["email"] = staffEmail,
        ["password"] = PortalFactory.Password,
        ["totp_code"] = "000000",
        ["roles"] = new JsonArray("Merchant"),
        ["url"] = "http://127.0.0.1:9/fuzz",
        ["enabled_events"] = new JsonArray("*"),
        ["description"] = "fuzz endpoint",
        ["enabled"] = true,
    };

    /// <summary>Sends requests one at a time and keeps every failure with the request that caused it, and the figures of the run.</summary>
    private sealed class FuzzRun(int seed)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly SortedDictionary<int, int> _statuses = [];
        private readonly HashSet<string> _reachedPastAuth = [];
        private readonly HashSet<string> _operations = [];
        private int _sent;

        public List<string> Failures { get; } = [];

        /// <summary>Sends one request and checks its answer; returns its status, or null when there was none.</summary>
        public async Task<int?> SendAsync(string caller, HttpClient client, FuzzRequest request)
        {
            _sent++;
            _operations.Add(request.Operation.ToString());
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                using var message = request.ToMessage();
                using var response = await client.SendAsync(message, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                var status = (int)response.StatusCode;
                _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
                if (status is not (401 or 403 or 404 or 405))
                {
                    _reachedPastAuth.Add(request.Operation.ToString());
                }

                if (status >= 500)
                {
                    Fail(caller, request, $"answered {status}: {Shorten(body)}");
                }
                else if (StackTraceMarkers.FirstOrDefault(m => body.Contains(m, StringComparison.Ordinal)) is { } marker)
                {
                    Fail(caller, request, $"answered {status} with '{marker}' in the body: {Shorten(body)}");
                }

                return status;
            }
            catch (OpenApiConformanceException ex)
            {
                Fail(caller, request, ex.Message);
                return null;
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Fail(caller, request, $"no answer within {RequestTimeout.TotalSeconds:0} s");
                return null;
            }
            catch (HttpRequestException ex)
            {
                // Kestrel answers a request line or headers it refuses (400, 414, 431) at once and closes the connection, so
                // a client still sending a large body fails to write it: HTTP/1.1's way to end such a request, not a lost
                // answer. Anything else (a reset after the app answered, a crash) is a failure.
                if (request.Body is { Length: > 0 } && await RefusedHeadAsync(client, request) is { } refused)
                {
                    _statuses[refused] = _statuses.GetValueOrDefault(refused) + 1;
                    return refused;
                }

                Fail(caller, request, $"got no answer: {ex.GetType().Name}: {Shorten(ex.Message)}");
                return null;
            }
        }

        /// <summary>The status Kestrel gives the same request line and headers without a body, when it refuses them itself.</summary>
        private static async Task<int?> RefusedHeadAsync(HttpClient client, FuzzRequest request)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                using var message = (request with { Body = null, ContentType = null }).ToMessage();
                using var response = await client.SendAsync(message, timeout.Token);
                return (int)response.StatusCode is var status and (400 or 414 or 431) && response.Content.Headers.ContentLength == 0 ? status : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        private void Fail(string caller, FuzzRequest request, string what) => Failures.Add($"{caller} {request} {what}");

        public string Summary(IReadOnlyList<ApiOperation> operations, int iterations)
        {
            var neverPastAuth = operations.Select(o => o.ToString()).Except(_reachedPastAuth).ToList();
            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"API fuzz: seed {seed}, {iterations} random requests after the systematic ones (PORTAL_FUZZ_SEED, PORTAL_FUZZ_ITERATIONS)")
                .AppendLine(CultureInfo.InvariantCulture, $"requests sent: {_sent} in {_clock.Elapsed.TotalSeconds:0.0} s ({_sent / _clock.Elapsed.TotalSeconds:0} req/s)")
                .AppendLine(CultureInfo.InvariantCulture, $"operations covered: {_operations.Count} of {operations.Count}; answered past authentication and routing: {_reachedPastAuth.Count}{NotReached(neverPastAuth)}")
                .AppendLine("statuses: " + string.Join(", ", _statuses.Select(s => $"{s.Key}: {s.Value}")))
                .AppendLine(CultureInfo.InvariantCulture, $"failures: {Failures.Count}");
            foreach (var failure in Failures.Take(100))
            {
                text.AppendLine("  " + failure);
            }

            return text.ToString();
        }

        private static string NotReached(List<string> operations) => operations.Count == 0 ? "" : $" (not: {string.Join(", ", operations)})";

        private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
    }
}
