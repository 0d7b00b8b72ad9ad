using System.Diagnostics;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Webhooks;

/// <summary>Issue 19: the trace id of the work that wrote an outbox event reaches the merchant's endpoint as a header.</summary>
public sealed class WebhookTraceIdTests : IAsyncLifetime
{
    private readonly WebhookTestBed _bed = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    [Fact]
    public async Task An_event_written_inside_a_trace_is_delivered_with_that_trace_id_as_a_header()
    {
        await _bed.EndpointAsync();
        PaymentEvent written;
        string traceId;
        // The request that wrote the event: its activity is gone by the time the dispatcher and the worker run.
        using (var request = new Activity("POST /api/v1/payments").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = request.TraceId.ToHexString();
            written = _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded, at: _bed.Clock.GetUtcNow());
        }

        written.TraceId.ShouldBe(traceId);
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);
        (await _bed.DeliveriesAsync()).Single().TraceId.ShouldBe(traceId);

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);

        _bed.Handler.Requests.Single().TraceId.ShouldBe(traceId);
    }

    [Fact]
    public async Task An_event_written_outside_any_trace_is_delivered_without_the_header()
    {
        await _bed.EndpointAsync();
        _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded, at: _bed.Clock.GetUtcNow());
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);

        _bed.Handler.Requests.Single().TraceId.ShouldBeNull();
    }
}
