using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Payments;

namespace Portal.Core.Disputes;

/// <summary>
/// Processor dispute events (Stripe's <c>charge.dispute.created/updated/closed</c>, the sandbox's <c>pm_card_createDispute</c>)
/// applied to the dispute record. The processor's dispute id is unique in the store, so a duplicate create is an update; an
/// event older than the newest one applied (<see cref="Dispute.LastEventAt"/>) changes nothing; an event of the same time
/// only moves the status forward. The portal's own decisions (submitted, accepted, expired) are not undone by the
/// processor's stale view. Each visible change writes its webhook event and, on open and close, emails the merchant.
/// </summary>
public sealed class ApplyDisputeEvent(IDisputeStore store, DisputeOutbox outbox, AuditService audit, IOptions<DisputeOptions> options, TimeProvider clock,
    ILogger<ApplyDisputeEvent> logger) : IDisputeEvents
{
    private static readonly Actor Processor = new("processor", "processor", "System", null, null);

    public async Task ApplyAsync(Payment payment, ProcessorNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(notification);
        if (string.IsNullOrEmpty(notification.DisputeId))
        {
            logger.LogWarning("Dispute event {EventId} has no dispute id; ignored", notification.EventId);
            return;
        }

        var processor = payment.Processor ?? "sandbox";
        var now = clock.GetUtcNow();
        var at = notification.OccurredAt ?? now;
        var status = MapStatus(notification);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await store.GetByProcessorIdAsync(processor, notification.DisputeId, cancellationToken);
            if (existing is null)
            {
                var created = new Dispute(Guid.CreateVersion7(now), processor, notification.DisputeId, payment.Id, payment.MerchantId,
                    notification.DisputeReason ?? "general", new Money(notification.Amount ?? payment.Amount, (notification.Currency ?? payment.Currency).ToLowerInvariant()),
                    notification.EvidenceDueBy ?? now.AddDays(options.Value.SandboxResponseDays), status ?? DisputeStatus.NeedsResponse, EvidenceState.None,
                    DisputeEvidence.Empty, [], now, now, at, "processor", null, null, 1).Announcing(PaymentEventTypes.DisputeCreated, now);
                if (created.IsClosed)
                {
                    created = created.Announcing(PaymentEventTypes.DisputeClosed, now);
                }

                if (await store.CreateAsync(created, cancellationToken) != DisputeWriteOutcome.Done)
                {
                    continue; // created by a concurrent delivery: apply as an update
                }

                await audit.AppendAsync(Processor, new AuditEntry(DisputeAuditActions.Opened, AuditOutcome.Success, created.DisplayId,
                    $"payment={new PaymentId(payment.Id)} event={notification.EventId}"), cancellationToken);
                created = await outbox.PublishAsync(created, cancellationToken);
                await outbox.OpenedAsync(created, cancellationToken);
                if (created.IsClosed)
                {
                    await outbox.ClosedAsync(created, cancellationToken);
                }

                return;
            }

            if (Merge(existing, notification, status, at, now) is not { } updated)
            {
                return;
            }

            var visible = Visible(existing, updated);
            var closedNow = updated.IsClosed && !existing.IsClosed;
            if (visible)
            {
                updated = updated.Announcing(closedNow ? PaymentEventTypes.DisputeClosed : PaymentEventTypes.DisputeUpdated, now);
            }

            if (await store.UpdateAsync(updated, existing.Version, cancellationToken) != DisputeWriteOutcome.Done)
            {
                continue;
            }

            if (visible)
            {
                await audit.AppendAsync(Processor, new AuditEntry(DisputeAuditActions.ProcessorUpdated, AuditOutcome.Success, updated.DisplayId,
                    $"status={DisputeNames.Status(updated.Status)} event={notification.EventId}"), cancellationToken);
            }

            // Also when this change is not visible: it may carry events an earlier change still owes.
            updated = await outbox.PublishAsync(updated, cancellationToken);
            if (visible && closedNow)
            {
                await outbox.ClosedAsync(updated, cancellationToken);
            }

            return;
        }

        throw new InvalidOperationException($"Dispute for processor event {notification.EventId} could not be applied after retries.");
    }

    /// <summary>The processor's status in the portal's words; null when the event does not say.</summary>
    internal static DisputeStatus? MapStatus(ProcessorNotification n) => n.DisputeStatus switch
    {
        "needs_response" or "warning_needs_response" => DisputeStatus.NeedsResponse,
        "under_review" or "warning_under_review" => DisputeStatus.UnderReview,
        "won" or "warning_closed" or "prevented" => DisputeStatus.Won,
        "lost" => DisputeStatus.Lost,
        _ => n.Type == ProcessorNotificationType.DisputeCreated ? DisputeStatus.NeedsResponse : null,
    };

    private static int Rank(DisputeStatus s) => s switch
    {
        DisputeStatus.NeedsResponse => 0,
        DisputeStatus.UnderReview or DisputeStatus.Expired or DisputeStatus.Accepted => 1,
        _ => 2,
    };

    /// <summary>The dispute after the event, or null when the event is a duplicate or older than what was applied.</summary>
    internal static Dispute? Merge(Dispute d, ProcessorNotification n, DisputeStatus? status, DateTimeOffset at, DateTimeOffset now)
    {
        if (at < d.LastEventAt || d.Status is DisputeStatus.Won or DisputeStatus.Lost)
        {
            return null;
        }

        var next = status ?? d.Status;
        // The portal's own decisions stand against the processor's older view of the dispute.
        if (Rank(next) < Rank(d.Status) || (Rank(next) == Rank(d.Status) && next != d.Status && Rank(next) < 2))
        {
            next = d.Status;
        }

        if (d.Status == DisputeStatus.Accepted && next == DisputeStatus.Lost)
        {
            next = DisputeStatus.Accepted; // Stripe closes an accepted dispute as lost
        }

        var updated = d with
        {
            Status = next,
            EvidenceDueBy = n.EvidenceDueBy ?? d.EvidenceDueBy,
            Amount = n.Amount is { } amount ? d.Amount with { Minor = amount } : d.Amount,
            Reason = n.DisputeReason ?? d.Reason,
        };
        if (at == d.LastEventAt && Rank(updated.Status) <= Rank(d.Status) && !Visible(d, updated))
        {
            return null;
        }

        if (!Visible(d, updated) && at == d.LastEventAt)
        {
            return null;
        }

        return updated with { LastEventAt = at, UpdatedAt = now, UpdatedBy = "processor", Version = d.Version + 1 };
    }

    private static bool Visible(Dispute before, Dispute after) =>
        before.Status != after.Status || before.EvidenceDueBy != after.EvidenceDueBy || before.Amount != after.Amount || before.Reason != after.Reason;
}
