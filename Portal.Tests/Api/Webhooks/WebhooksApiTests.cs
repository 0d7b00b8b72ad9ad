using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Auth;
using Portal.Core.Payments;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Webhooks;

public sealed class WebhooksApiTests(WebhooksApiTests.Fixture fixture) : IClassFixture<WebhooksApiTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public FakeEventOutbox Outbox { get; } = new();

        public PortalFactory Factory { get; }

        public WebhookReceiver Receiver { get; private set; } = default!;

        public Fixture()
        {
            // The payment store's outbox is another feature's: this fake stands in for it so the tests control the events.
            Factory = new PortalFactory().WithServices(s =>
            {
                s.RemoveAll<IEventOutbox>();
                s.AddSingleton<IEventOutbox>(Outbox);
            });
        }

        public async ValueTask InitializeAsync() => Receiver = await WebhookReceiver.StartAsync();

        public async ValueTask DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    private PortalFactory Factory => fixture.Factory;

    private async Task<(Guid MerchantId, HttpClient Client)> MerchantAsync()
    {
        var (actor, secret) = await Factory.MerchantKeyAsync();
        return (actor.MerchantId!.Value, Factory.ClientWithBearer(secret));
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, string url, params string[] events)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/webhook_endpoints", new { url, enabled_events = events, description = "orders service" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    private static async Task<JsonElement> WaitForDeliveryAsync(HttpClient client, string query, Func<JsonElement, bool> done)
    {
        for (var i = 0; i < 100; i++)
        {
            var page = await (await client.GetAsync("/api/v1/webhook_deliveries?" + query)).JsonAsync();
            var data = page.GetProperty("data");
            if (data.GetArrayLength() > 0 && done(data[0]))
            {
                return data[0];
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The delivery did not reach the expected state.");
    }

    [Fact]
    public async Task Create_shows_the_secret_once_and_lists_without_it()
    {
        var (_, client) = await MerchantAsync();

        var created = await CreateAsync(client, fixture.Receiver.BaseUrl + "/ok", "payment.succeeded", "payment.failed");

        var id = created.GetProperty("id").GetString()!;
        id.ShouldStartWith("we_");
        created.GetProperty("secret").GetString()!.ShouldMatch("^whsec_[0-9A-Za-z]{32}$");
        created.GetProperty("enabled_events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["payment.succeeded", "payment.failed"]);
        created.GetProperty("enabled").GetBoolean().ShouldBeTrue();
        var list = await (await client.GetAsync("/api/v1/webhook_endpoints")).Content.ReadAsStringAsync();
        list.ShouldContain(id);
        list.ShouldNotContain(created.GetProperty("secret").GetString()!);
        var one = await (await client.GetAsync($"/api/v1/webhook_endpoints/{id}")).Content.ReadAsStringAsync();
        one.ShouldNotContain("whsec_");
        Factory.Logs.ShouldNotContain(l => l.Contains(created.GetProperty("secret").GetString()!, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { """{"url": "not a url", "enabled_events": ["*"]}""", "url" },
        { """{"url": "ftp://hooks.example.com/x", "enabled_events": ["*"]}""", "url" },
        { """{"url": "https://u:p@hooks.example.com/x", "enabled_events": ["*"]}""", "url" },
        { """{"enabled_events": ["*"]}""", "url" },
        { """{"url": "https://hooks.example.com/x", "enabled_events": ["payment.exploded"]}""", "enabled_events" },
        { """{"url": "https://hooks.example.com/x", "enabled_events": []}""", "enabled_events" },
        { """{"url": "https://hooks.example.com/x"}""", "enabled_events" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_fields_are_a_400_naming_the_field(string body, string field)
    {
        var (_, client) = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/webhook_endpoints", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe([field]);
    }

    [Fact]
    public async Task Http_and_internal_hosts_are_refused_unless_insecure_urls_are_allowed()
    {
        await using var strict = new PortalFactory().WithSetting("Webhooks:AllowInsecureUrls", "false");
        var (_, secret) = await strict.MerchantKeyAsync();
        using var client = strict.ClientWithBearer(secret);

        foreach (var url in new[] { "http://93.184.215.14/hook", "https://127.0.0.1/hook", "https://10.0.0.8/hook", "https://169.254.169.254/latest" })
        {
            using var response = await client.PostAsJsonAsync("/api/v1/webhook_endpoints", new { url, enabled_events = new[] { "*" } });
            var problem = await response.ShouldBeProblemAsync(400);
            problem.GetProperty("errors").GetProperty("url").GetArrayLength().ShouldBe(1, url);
        }

        using var ok = await client.PostAsJsonAsync("/api/v1/webhook_endpoints", new { url = "https://93.184.215.14/hook", enabled_events = new[] { "*" } });
        ok.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Another_merchants_endpoint_and_delivery_are_404()
    {
        var (merchantId, owner) = await MerchantAsync();
        var (_, other) = await MerchantAsync();
        var id = (await CreateAsync(owner, fixture.Receiver.BaseUrl + "/ok", "*")).GetProperty("id").GetString()!;
        var e = fixture.Outbox.Add(merchantId, PaymentEventTypes.Succeeded);
        Factory.Services.GetRequiredService<IWebhookSignal>().Notify();
        var delivery = await WaitForDeliveryAsync(owner, $"event_id={e.DisplayId}", d => d.GetProperty("status").GetString() == "succeeded");
        var deliveryId = delivery.GetProperty("id").GetString()!;

        await (await other.GetAsync($"/api/v1/webhook_endpoints/{id}")).ShouldBeProblemAsync(404);
        await (await other.DeleteAsync($"/api/v1/webhook_endpoints/{id}")).ShouldBeProblemAsync(404);
        await (await other.PostAsync($"/api/v1/webhook_endpoints/{id}/roll_secret", null)).ShouldBeProblemAsync(404);
        await (await other.GetAsync($"/api/v1/webhook_deliveries/{deliveryId}")).ShouldBeProblemAsync(404);
        await (await other.PostAsync($"/api/v1/webhook_deliveries/{deliveryId}/replay", null)).ShouldBeProblemAsync(404);
        (await (await other.GetAsync($"/api/v1/webhook_deliveries?event_id={e.DisplayId}")).JsonAsync()).GetProperty("data").GetArrayLength().ShouldBe(0);
        await (await owner.GetAsync("/api/v1/webhook_deliveries/wd_nonsense")).ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task An_event_is_delivered_signed_to_a_real_receiver_and_can_be_replayed()
    {
        var (merchantId, client) = await MerchantAsync();
        var created = await CreateAsync(client, fixture.Receiver.BaseUrl + "/ok", "payment.succeeded");
        var secret = created.GetProperty("secret").GetString()!;
        var e = fixture.Outbox.Add(merchantId, PaymentEventTypes.Succeeded, """{"object":"payment","amount":4200,"currency":"ngn"}""");
        fixture.Outbox.Add(merchantId, PaymentEventTypes.Refunded); // not subscribed
        Factory.Services.GetRequiredService<IWebhookSignal>().Notify();

        var delivery = await WaitForDeliveryAsync(client, $"event_id={e.DisplayId}", d => d.GetProperty("status").GetString() == "succeeded");

        delivery.GetProperty("event_type").GetString().ShouldBe("payment.succeeded");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
        delivery.GetProperty("last_status_code").GetInt32().ShouldBe(200);
        var received = fixture.Receiver.Requests.Single(r => System.Text.Encoding.UTF8.GetString(r.Body).Contains(e.DisplayId, StringComparison.Ordinal));
        WebhookSigner.Verify(received.Signature, secret, received.Body, DateTimeOffset.UtcNow).ShouldBeTrue();
        JsonDocument.Parse(received.Body).RootElement.GetProperty("data").GetProperty("amount").GetInt64().ShouldBe(4200);
        var endpointDeliveries = await (await client.GetAsync($"/api/v1/webhook_deliveries?endpoint_id={created.GetProperty("id").GetString()}")).JsonAsync();
        endpointDeliveries.GetProperty("data").GetArrayLength().ShouldBe(1); // the refund was not subscribed

        var id = delivery.GetProperty("id").GetString()!;
        using var replay = await client.PostAsync($"/api/v1/webhook_deliveries/{id}/replay", null);
        replay.StatusCode.ShouldBe(HttpStatusCode.OK, await replay.Content.ReadAsStringAsync());
        var replayed = await replay.JsonAsync();
        replayed.GetProperty("attempts").GetInt32().ShouldBe(2);
        var log = replayed.GetProperty("attempt_log");
        log.GetArrayLength().ShouldBe(2);
        log[1].GetProperty("manual").GetBoolean().ShouldBeTrue();
        log[1].GetProperty("status_code").GetInt32().ShouldBe(200);
        log[1].GetProperty("response_body").GetString().ShouldBe("received");
    }

    [Fact]
    public async Task A_failing_receiver_leaves_the_delivery_pending_with_its_next_retry()
    {
        var (merchantId, client) = await MerchantAsync();
        await CreateAsync(client, fixture.Receiver.BaseUrl + "/fail", "*");
        var e = fixture.Outbox.Add(merchantId, PaymentEventTypes.Failed);
        Factory.Services.GetRequiredService<IWebhookSignal>().Notify();

        var delivery = await WaitForDeliveryAsync(client, $"event_id={e.DisplayId}", d => d.GetProperty("attempts").GetInt32() >= 1);

        delivery.GetProperty("status").GetString().ShouldBe("pending");
        delivery.GetProperty("last_status_code").GetInt32().ShouldBe(500);
        delivery.GetProperty("next_retry_at").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddSeconds(5));
        var detail = await (await client.GetAsync($"/api/v1/webhook_deliveries/{delivery.GetProperty("id").GetString()}")).JsonAsync();
        detail.GetProperty("attempt_log")[0].GetProperty("response_body").GetString().ShouldBe("receiver broke");
        var failed = await (await client.GetAsync("/api/v1/webhook_deliveries?status=pending")).JsonAsync();
        failed.GetProperty("data").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Roll_secret_and_delete_work_and_bad_filters_are_named()
    {
        var (_, client) = await MerchantAsync();
        var created = await CreateAsync(client, fixture.Receiver.BaseUrl + "/ok", "*");
        var id = created.GetProperty("id").GetString()!;

        var rolled = await (await client.PostAsync($"/api/v1/webhook_endpoints/{id}/roll_secret", null)).JsonAsync();
        rolled.GetProperty("secret").GetString()!.ShouldStartWith("whsec_");
        rolled.GetProperty("secret").GetString().ShouldNotBe(created.GetProperty("secret").GetString());

        using var disable = await client.PostAsJsonAsync($"/api/v1/webhook_endpoints/{id}", new { enabled = false });
        (await disable.JsonAsync()).GetProperty("enabled").GetBoolean().ShouldBeFalse();

        (await client.DeleteAsync($"/api/v1/webhook_endpoints/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await client.GetAsync($"/api/v1/webhook_endpoints/{id}")).ShouldBeProblemAsync(404);

        var problem = await (await client.GetAsync("/api/v1/webhook_deliveries?status=lost&limit=0&cursor=forged")).ShouldBeProblemAsync(400);
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ShouldBe(["limit", "status"]);
        var cursor = await (await client.GetAsync("/api/v1/webhook_deliveries?cursor=forged")).ShouldBeProblemAsync(400);
        cursor.GetProperty("errors").GetProperty("cursor").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Staff_tokens_cannot_use_merchant_webhook_endpoints()
    {
        using var admin = Factory.ClientWithBearer(await Factory.StaffTokenAsync(PortalRoles.Admin));

        await (await admin.GetAsync("/api/v1/webhook_endpoints")).ShouldBeProblemAsync(403);
        await (await Factory.CreateClient().GetAsync("/api/v1/webhook_deliveries")).ShouldBeProblemAsync(401);
    }
}
