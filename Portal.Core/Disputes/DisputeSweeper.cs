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
                var closed = d with { Status = DisputeStatus.Expired, UpdatedAt = now, UpdatedBy = "deadline", Version = d.Version + 1 };
                if (await store.UpdateAsync(closed, d.Version, cancellationToken) == DisputeWriteOutcome.Done)
                {
                    expired++;
                    await audit.AppendAsync(System, new AuditEntry(DisputeAuditActions.Expired, AuditOutcome.Success, d.DisplayId, $"due_by={d.EvidenceDueBy:O}"), cancellationToken);
                    await outbox.WebhookAsync(PaymentEventTypes.DisputeClosed, closed, cancellationToken);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
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
