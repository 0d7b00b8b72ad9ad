using System.Net;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Payments;
using Portal.Core.Webhooks;

namespace Portal.Tests.Unit.Webhooks;

public sealed class WebhookServiceTests : IAsyncLifetime
{
    private readonly WebhookTestBed _bed = new(o => o.AllowInsecureUrls = false);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    [Theory]
    [InlineData("http://hooks.example.com/x", "url")]
    [InlineData("https://user:pass@hooks.example.com/x", "url")]
    [InlineData("https://127.0.0.1/x", "url")]
    [InlineData("https://localhost:8443/x", "url")]
    [InlineData("https://10.1.2.3/x", "url")]
    [InlineData("https://169.254.169.254/latest/meta-data", "url")]
    [InlineData("https://[::1]/x", "url")]
    [InlineData("ftp://hooks.example.com/x", "url")]
    [InlineData("/relative", "url")]
    public async Task Unsafe_or_malformed_urls_are_refused_naming_the_field(string url, string field)
    {
        var result = await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = url, EnabledEvents = ["*"] });

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        result.Error!.Fields!.Keys.ShouldBe([field]);
    }

    [Fact]
    public async Task Unknown_event_types_and_long_urls_are_refused()
    {
        var events = await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/x", EnabledEvents = ["payment.exploded"] });
        var none = await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/x", EnabledEvents = [] });
        var longUrl = await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/" + new string('a', 2048), EnabledEvents = ["*"] });

        events.Error!.Fields!.Keys.ShouldBe(["enabled_events"]);
        none.Error!.Fields!.Keys.ShouldBe(["enabled_events"]);
        longUrl.Error!.Fields!.Keys.ShouldBe(["url"]);
    }

    [Fact]
    public async Task The_secret_is_stored_encrypted_and_a_rolled_secret_signs_from_then_on()
    {
        var created = (await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/hook", EnabledEvents = ["*"] })).Value!;
        var rolled = (await _bed.Service.RollSecretAsync(_bed.Merchant, created.Endpoint.Id)).Value!;

        rolled.Secret.ShouldNotBe(created.Secret);
        var stored = await _bed.Store.GetEndpointForSendingAsync(created.Endpoint.Id, CancellationToken.None);
        System.Text.Encoding.UTF8.GetString(stored!.SealedSecret).ShouldNotContain(rolled.Secret[6..]);
        _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);
        await _bed.Worker.DeliverDueAsync(CancellationToken.None);
        var request = _bed.Handler.Requests.Single();
        WebhookSigner.Verify(request.Signature, rolled.Secret, request.Body, _bed.Clock.GetUtcNow()).ShouldBeTrue();
        WebhookSigner.Verify(request.Signature, created.Secret, request.Body, _bed.Clock.GetUtcNow()).ShouldBeFalse();
    }

    [Fact]
    public async Task Another_merchants_endpoints_and_deliveries_look_unknown()
    {
        var endpoint = (await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/hook", EnabledEvents = ["*"] })).Value!.Endpoint;
        _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);
        var delivery = (await _bed.DeliveriesAsync()).Single();

        (await _bed.Service.GetEndpointAsync(_bed.OtherMerchant, endpoint.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _bed.Service.RollSecretAsync(_bed.OtherMerchant, endpoint.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _bed.Service.DeleteEndpointAsync(_bed.OtherMerchant, endpoint.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _bed.Service.GetDeliveryAsync(_bed.OtherMerchant, delivery.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _bed.Service.ReplayAsync(_bed.OtherMerchant, delivery.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _bed.Service.ListDeliveriesAsync(_bed.OtherMerchant, new WebhookDeliveryFilter())).Value!.Items.ShouldBeEmpty();
        (await _bed.Service.ListEndpointsAsync(_bed.OtherMerchant)).ShouldBeEmpty();
        _bed.Handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Replay_sends_now_as_a_manual_attempt_and_is_audited()
    {
        await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/hook", EnabledEvents = ["*"] });
        _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);
        await _bed.Worker.DeliverDueAsync(CancellationToken.None);
        var delivery = (await _bed.DeliveriesAsync()).Single();
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Succeeded);
        _bed.Handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.Accepted));

        var replayed = (await _bed.Service.ReplayAsync(_bed.Merchant, delivery.Id)).Value!;

        replayed.Attempts.Count.ShouldBe(2);
        (replayed.Attempts[1].Number, replayed.Attempts[1].StatusCode, replayed.Attempts[1].Manual).ShouldBe((2, 202, true));
        replayed.Delivery.Status.ShouldBe(WebhookDeliveryStatus.Succeeded);
        _bed.Handler.Requests.Count.ShouldBe(2);
        var audit = await _bed.Audit.QueryAsync(new AuditQuery(Action: WebhookAuditActions.DeliveryReplayed));
        audit.Events.Single().Target.ShouldBe(delivery.DisplayId);
        (await _bed.Audit.QueryAsync(new AuditQuery(Action: WebhookAuditActions.EndpointCreated))).Events.Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_delivery_log_pages_with_a_cursor_that_another_merchant_cannot_use()
    {
        await _bed.Service.CreateEndpointAsync(_bed.Merchant, new WebhookEndpointRequest { Url = "https://93.184.215.14/hook", EnabledEvents = ["*"] });
        for (var i = 0; i < 5; i++)
        {
            _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        }

        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);

        var first = (await _bed.Service.ListDeliveriesAsync(_bed.Merchant, new WebhookDeliveryFilter(Limit: 3))).Value!;
        var second = (await _bed.Service.ListDeliveriesAsync(_bed.Merchant, new WebhookDeliveryFilter(Limit: 3, Cursor: first.NextCursor))).Value!;

        first.Items.Count.ShouldBe(3);
        second.Items.Count.ShouldBe(2);
        second.NextCursor.ShouldBeNull();
        first.Items.Concat(second.Items).Select(d => d.Id).Distinct().Count().ShouldBe(5);
        (await _bed.Service.ListDeliveriesAsync(_bed.OtherMerchant, new WebhookDeliveryFilter(Cursor: first.NextCursor))).Error!.Fields!.Keys.ShouldBe(["cursor"]);
        (await _bed.Service.ListDeliveriesAsync(_bed.Merchant, new WebhookDeliveryFilter(Cursor: first.NextCursor + "x"))).Error!.Fields!.Keys.ShouldBe(["cursor"]);
    }
}
