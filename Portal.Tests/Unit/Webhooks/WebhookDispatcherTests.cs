using Portal.Core.Payments;
using Portal.Core.Webhooks;

namespace Portal.Tests.Unit.Webhooks;

public sealed class WebhookDispatcherTests : IAsyncLifetime
{
    private readonly WebhookTestBed _bed = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    [Fact]
    public async Task One_delivery_per_matching_enabled_endpoint_none_for_disabled_or_unsubscribed()
    {
        var all = (await _bed.EndpointAsync(events: ["*"])).Endpoint;
        var succeededOnly = (await _bed.EndpointAsync(events: [PaymentEventTypes.Succeeded])).Endpoint;
        var refundsOnly = (await _bed.EndpointAsync(events: [PaymentEventTypes.Refunded])).Endpoint;
        await _bed.EndpointAsync(events: ["*"], enabled: false);
        var succeeded = _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        var failed = _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Failed);

        (await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None)).ShouldBe(2);

        var deliveries = await _bed.DeliveriesAsync();
        deliveries.Select(d => (d.EventId, d.EndpointId)).OrderBy(x => x.ToString()).ShouldBe(
            new[] { (succeeded.Id, all.Id), (succeeded.Id, succeededOnly.Id), (failed.Id, all.Id) }.OrderBy(x => x.ToString()));
        deliveries.ShouldNotContain(d => d.EndpointId == refundsOnly.Id);
        deliveries.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount == 0 && d.NextAttemptAt == _bed.Clock.GetUtcNow());
        _bed.Outbox.IsDispatched(succeeded.Id).ShouldBeTrue();
        _bed.Outbox.IsDispatched(failed.Id).ShouldBeTrue();
        (await _bed.Outbox.PendingAsync(10, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_payload_is_the_event_envelope_with_its_data()
    {
        await _bed.EndpointAsync();
        var e = _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded, """{"object":"payment","id":"pay_1","amount":2500}""", _bed.Clock.GetUtcNow());

        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);

        var payload = System.Text.Json.JsonDocument.Parse((await _bed.DeliveriesAsync()).Single().Payload).RootElement;
        payload.GetProperty("id").GetString().ShouldBe(e.DisplayId);
        payload.GetProperty("type").GetString().ShouldBe("payment.succeeded");
        payload.GetProperty("created").GetInt64().ShouldBe(e.CreatedAt.ToUnixTimeSeconds());
        payload.GetProperty("data").GetProperty("amount").GetInt64().ShouldBe(2500);
    }

    [Fact]
    public async Task Events_of_another_merchant_never_reach_this_merchants_endpoints()
    {
        await _bed.EndpointAsync();
        var other = _bed.Outbox.Add(_bed.OtherMerchant.MerchantId!.Value, PaymentEventTypes.Succeeded);

        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);

        (await _bed.DeliveriesAsync()).ShouldBeEmpty();
        _bed.Outbox.IsDispatched(other.Id).ShouldBeTrue(); // nothing to deliver is still dispatched
    }

    [Fact]
    public async Task A_crash_before_marking_dispatches_again_without_duplicate_deliveries()
    {
        await _bed.EndpointAsync();
        await _bed.EndpointAsync(events: [PaymentEventTypes.Succeeded]);
        var e = _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        _bed.Outbox.CrashBeforeNextMark = true;

        await Should.ThrowAsync<IOException>(() => _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None));
        _bed.Outbox.IsDispatched(e.Id).ShouldBeFalse();
        (await _bed.DeliveriesAsync()).Count.ShouldBe(2);

        (await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None)).ShouldBe(1);

        (await _bed.DeliveriesAsync()).Count.ShouldBe(2);
        _bed.Outbox.IsDispatched(e.Id).ShouldBeTrue();
    }

    [Fact]
    public async Task The_background_loop_dispatches_when_signalled()
    {
        await using var withOutbox = new WebhookTestBed();
        await withOutbox.EndpointAsync();
        var dispatcher = new WebhookDispatcher(new OutboxProvider(withOutbox.Outbox), withOutbox.Store, withOutbox.Signal,
            new StaticOptionsMonitor<WebhookOptions>(new WebhookOptions { PollInterval = TimeSpan.FromMinutes(1) }), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<WebhookDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(100);
            var e = withOutbox.Outbox.Add(withOutbox.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
            ((IWebhookSignal)withOutbox.Signal).Notify();
            for (var i = 0; i < 100 && !withOutbox.Outbox.IsDispatched(e.Id); i++)
            {
                await Task.Delay(50);
            }

            withOutbox.Outbox.IsDispatched(e.Id).ShouldBeTrue("the signal should wake the dispatcher long before its one-minute poll");
            (await withOutbox.DeliveriesAsync()).Count.ShouldBe(1);
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    private sealed class OutboxProvider(IEventOutbox outbox) : IServiceProvider, Microsoft.Extensions.DependencyInjection.IServiceScopeFactory, Microsoft.Extensions.DependencyInjection.IServiceScope
    {
        public IServiceProvider ServiceProvider => this;

        public Microsoft.Extensions.DependencyInjection.IServiceScope CreateScope() => this;

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IEventOutbox) ? outbox : serviceType == typeof(Microsoft.Extensions.DependencyInjection.IServiceScopeFactory) ? this : null;

        public void Dispose()
        {
        }
    }
}
