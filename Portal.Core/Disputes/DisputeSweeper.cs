using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Payments;

namespace Portal.Core.Disputes;

/// <summary>
/// Deadlines: every <see cref="DisputeOptions.SweepIntervalSeconds"/>, disputes still needing a response are read by
/// deadline (an index, never a scan). Those past it are stored as expired (audited, <c>dispute.closed</c> sent, merchant
/// emailed); those within <see cref="DisputeOptions.ReminderHours"/> of it get one reminder email. Reads between sweeps
/// already show an expired dispute as expired (<see cref="Dispute.AsOf"/>).
/// </summary>
public sealed class DisputeSweeper(IDisputeStore store, DisputeOutbox outbox, AuditService audit, IOptionsMonitor<DisputeOptions> options, TimeProvider clock,
    ILogger<DisputeSweeper> logger) : BackgroundService
{
    private static readonly Actor System = new("system", "dispute deadlines", "System", null, null);

    /// <summary>One round: returns how many disputes it expired and reminded about.</summary>
    public async Task<(int Expired, int Reminded)> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (expired, reminded) = (0, 0);
        var due = await store.AwaitingResponseDueBeforeAsync(now.AddHours(options.CurrentValue.ReminderHours), 200, cancellationToken);
        foreach (var d in due)
        {
            if (now > d.EvidenceDueBy)
            {
                var closed = d.Announcing(PaymentEventTypes.DisputeClosed, now) with { Status = DisputeStatus.Expired, UpdatedAt = now, UpdatedBy = "deadline", Version = d.Version + 1 };
                if (await store.UpdateAsync(closed, d.Version, cancellationToken) == DisputeWriteOutcome.Done)
                {
                    expired++;
                    await audit.AppendAsync(System, new AuditEntry(DisputeAuditActions.Expired, AuditOutcome.Success, d.DisplayId, $"due_by={d.EvidenceDueBy:O}"), cancellationToken);
                    closed = await outbox.PublishAsync(closed, cancellationToken);
                    await outbox.ClosedAsync(closed, cancellationToken);
                }
            }
            else if (d.ReminderSentAt is null && d.EvidenceState != EvidenceState.Submitted)
            {
                // Recorded first: a crash after the email sends no second one (at most once, as reminders should be).
                var marked = d with { ReminderSentAt = now, Version = d.Version + 1 };
                if (await store.UpdateAsync(marked, d.Version, cancellationToken) == DisputeWriteOutcome.Done)
                {
                    reminded++;
                    await outbox.ReminderAsync(marked, cancellationToken);
                }
            }
        }

        return (expired, reminded);
    }

    /// <summary>
    /// Repair: publishes the webhook events that disputes still owe a grace period after their change (the process stopped
    /// between the dispute's write and the outbox's). Each is appended once, so racing the request that owes it is harmless.
    /// Returns how many disputes it published for.
    /// </summary>
    public async Task<int> PublishOwedEventsAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow() - TimeSpan.FromSeconds(options.CurrentValue.OwedEventGraceSeconds);
        var published = 0;
        foreach (var owing in await store.OwingEventsSinceBeforeAsync(before, 200, cancellationToken))
        {
            // Read again, consistently: the listing may come from an index that lags the table.
            if (await store.GetAsync(owing.Id, cancellationToken) is { PendingEvents.Count: > 0 } current)
            {
                logger.LogWarning("Dispute {DisputeId} still owed {Count} webhook events; publishing them now", current.DisplayId, current.PendingEvents.Count);
                await outbox.PublishAsync(current, cancellationToken);
                published++;
            }
        }

        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
                await PublishOwedEventsAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Dispute sweep failed; trying again next round");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.SweepIntervalSeconds), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
