using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Payments;

namespace Portal.Core.Webhooks;

/// <summary>
/// Turns outbox events into deliveries: one per (event, enabled endpoint of the event's merchant that receives its type),
/// written before the events are marked dispatched. A crash in between dispatches the events again, which the store's
/// unique (event, endpoint) makes harmless: at least once, never a duplicate row. Polls every
/// <see cref="WebhookOptions.PollInterval"/> or at once when <see cref="IWebhookSignal.Notify"/> is called.
/// </summary>
public sealed class WebhookDispatcher(
    IServiceProvider services,
    IWebhookStore store,
    WebhookSignal signal,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const int BatchSize = 100;

    /// <summary>One round: returns how many events it took from the outbox.</summary>
    public async Task<int> DispatchOnceAsync(IEventOutbox outbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var events = await outbox.PendingAsync(BatchSize, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        var deliveries = new List<WebhookDelivery>();
        foreach (var merchantEvents in events.GroupBy(e => e.MerchantId))
        {
            var endpoints = (await store.ListEndpointsAsync(merchantEvents.Key, cancellationToken)).Where(e => e.Enabled).ToList();
            foreach (var paymentEvent in merchantEvents)
            {
                var matching = endpoints.Where(e => e.Receives(paymentEvent.Type)).ToList();
                if (matching.Count == 0)
                {
                    continue;
                }

                var payload = WebhookPayload.Build(paymentEvent);
                deliveries.AddRange(matching.Select(endpoint => new WebhookDelivery(Guid.CreateVersion7(now), paymentEvent.MerchantId, endpoint.Id, paymentEvent.Id,
                    paymentEvent.Type, payload, WebhookDeliveryStatus.Pending, 0, now, null, null, null, now) { TraceId = paymentEvent.TraceId }));
            }
        }

        var created = deliveries.Count == 0 ? 0 : await store.AddDeliveriesAsync(deliveries, cancellationToken);
        await outbox.MarkDispatchedAsync(events.Select(e => e.Id).ToList(), cancellationToken);
        if (created > 0)
        {
            signal.NotifyDeliveries();
        }

        logger.LogDebug("Dispatched {Events} events into {Deliveries} webhook deliveries", events.Count, created);
        return events.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.BackgroundDelivery)
        {
            return;
        }

        await Task.Yield(); // never hold up start-up
        var warned = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var taken = 0;
            try
            {
                await using var scope = services.CreateAsyncScope();
                // Optional: the payment store registers the outbox; without it there is nothing to dispatch.
                if (scope.ServiceProvider.GetService<IEventOutbox>() is { } outbox)
                {
                    taken = await DispatchOnceAsync(outbox, stoppingToken);
                }
                else if (!warned)
                {
                    logger.LogInformation("No event outbox is registered: webhook events are not dispatched");
                    warned = true;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Webhook dispatch round failed; retrying at the next poll");
            }

            if (taken < BatchSize)
            {
                try
                {
                    await signal.WaitForEventsAsync(options.CurrentValue.PollInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
