using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Webhooks;

/// <summary>
/// Sends due deliveries: endpoints in parallel (at most <see cref="WebhookOptions.MaxConcurrency"/>), one endpoint's
/// deliveries one after another. Each delivery is claimed first (a lease), so two workers never send the same attempt.
/// Woken by the dispatcher when it adds deliveries, else every <see cref="WebhookOptions.WorkerInterval"/> for retries.
/// </summary>
public sealed class WebhookDeliveryWorker(
    IWebhookStore store,
    WebhookSender sender,
    WebhookSignal signal,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    /// <summary>One round over the deliveries due now; returns how many were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        var due = await store.DueDeliveriesAsync(now, settings.BatchSize, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var perEndpoint = Math.Max(1, settings.BatchSize / 4);
        var groups = due.GroupBy(d => d.EndpointId).Select(g => g.Take(perEndpoint).ToList()).ToList();
        // Long enough for one send to finish (or time out); short enough that a send lost in a crash is retried soon after restart.
        var lease = now + (settings.Timeout * 2) + TimeSpan.FromSeconds(5);
        var attempted = 0;
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken }, async (group, token) =>
        {
            foreach (var delivery in group)
            {
                if (!await store.ClaimAsync(delivery.Id, delivery.NextAttemptAt ?? now, lease, token))
                {
                    continue;
                }

                try
                {
                    if (await sender.SendAsync(delivery, manual: false, token) is not null)
                    {
                        Interlocked.Increment(ref attempted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Webhook {DeliveryId} could not be sent; it returns after its lease", delivery.DisplayId);
                }
            }
        });
        return attempted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.BackgroundDelivery)
        {
            return;
        }

        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var attempted = 0;
            try
            {
                attempted = await DeliverDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Webhook delivery round failed; retrying at the next poll");
            }

            if (attempted == 0)
            {
                try
                {
                    await signal.WaitForDeliveriesAsync(options.CurrentValue.WorkerInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
