using System.Text.Json;

namespace Portal.Core.Payments;

/// <summary>
/// What a processor reports later, through its own webhooks or the sandbox's follow-ups: a charge settled, a failure, a
/// refund or a dispute, applied to the payment under its version check and recorded with its outbox event.
/// </summary>
/// <remarks>
/// With a dispute service (<see cref="IDisputeEvents"/>) registered, dispute events go to it: it keeps the dispute record and
/// writes the <c>dispute.*</c> webhook events, and the payment is only marked disputed here.
/// </remarks>
public sealed class ApplyProcessorEvent(IPaymentStore store, PaymentFeed feed, TimeProvider clock, IDisputeEvents? disputes = null) : IProcessorNotifications
{
    /// <inheritdoc />
    public async Task<bool> ApplyAsync(ProcessorNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (disputes is not null && notification.IsDispute)
        {
            return await ApplyDisputeAsync(disputes, notification, cancellationToken);
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await FindAsync(notification, cancellationToken) is not { } payment)
            {
                return false;
            }

            var now = clock.GetUtcNow();
            var (updated, eventType) = Apply(payment, notification, now);
            if (updated is null)
            {
                return true;
            }

            // A charge whose answer never arrived has no reference yet: take the processor's, so later events find it.
            updated = updated with { ProcessorReference = updated.ProcessorReference ?? notification.Reference };

            var result = await store.WriteAsync(new PaymentWrite
            {
                UpdatedPayment = updated,
                ExpectedVersion = payment.Version,
                Count = payment.Status == PaymentStatus.Pending ? PaymentTransitions.CountOf(updated, now) : null,
                Events = [PaymentEventData.Create(eventType!, updated, now, w => WriteNotification(w, notification))],
            }, cancellationToken);
            if (result.Status == PaymentWriteStatus.Ok)
            {
                feed.Publish(updated);
                return true;
            }
        }

        throw new InvalidOperationException($"Payment with processor reference could not be updated after retries (event {notification.EventId}).");
    }

    private async Task<bool> ApplyDisputeAsync(IDisputeEvents sink, ProcessorNotification notification, CancellationToken cancellationToken)
    {
        if (await FindAsync(notification, cancellationToken) is not { } payment)
        {
            return false;
        }

        await sink.ApplyAsync(payment, notification, cancellationToken);
        for (var attempt = 0; attempt < 5 && payment is not null && payment.Status != PaymentStatus.Disputed; attempt++)
        {
            var now = clock.GetUtcNow();
            var updated = payment with { Status = PaymentStatus.Disputed, UpdatedAt = now, Version = payment.Version + 1 };
            if ((await store.WriteAsync(new PaymentWrite { UpdatedPayment = updated, ExpectedVersion = payment.Version }, cancellationToken)).Status == PaymentWriteStatus.Ok)
            {
                feed.Publish(updated);
                break;
            }

            payment = await store.GetAsync(payment.Id, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// The payment a notification is about: by the processor's reference, else by the portal id the processor echoed back,
    /// as long as that payment has no other reference (a timed-out charge the processor did make).
    /// </summary>
    private async Task<Payment?> FindAsync(ProcessorNotification notification, CancellationToken cancellationToken) =>
        await store.GetByProcessorReferenceAsync(notification.Reference, cancellationToken)
        ?? (notification.PaymentId is { } id && await store.GetAsync(id, cancellationToken) is { ProcessorReference: null } unlinked ? unlinked : null);

    private static (Payment? Updated, string? EventType) Apply(Payment p, ProcessorNotification n, DateTimeOffset now) => n.Type switch
    {
        // A retryable failure may have been an unknown outcome (timeout, still processing): the processor's word wins.
        ProcessorNotificationType.Succeeded when p.Status == PaymentStatus.Pending || (p.Status == PaymentStatus.Failed && p.Retryable) =>
            (p with { Status = PaymentStatus.Succeeded, FailureCode = null, FailureMessage = null, Retryable = false, UpdatedAt = now, Version = p.Version + 1 },
                PaymentEventTypes.Succeeded),
        // Retryable from the failure code, as when the processor answers the charge itself (rate_limit, processing_error...).
        ProcessorNotificationType.Failed when p.Status == PaymentStatus.Pending =>
            (p with
            {
                Status = PaymentStatus.Failed, FailureCode = n.FailureCode ?? "processor_declined", FailureMessage = n.Message,
                Retryable = PaymentTransitions.IsRetryable(n.FailureCode), UpdatedAt = now, Version = p.Version + 1,
            }, PaymentEventTypes.Failed),
        ProcessorNotificationType.Refunded when n.Amount is { } refunded && refunded > p.RefundedAmount && refunded <= p.Amount =>
            (PaymentTransitions.Refunded(p, refunded, now), PaymentEventTypes.Refunded),
        ProcessorNotificationType.DisputeCreated when p.Status != PaymentStatus.Disputed =>
            (p with { Status = PaymentStatus.Disputed, UpdatedAt = now, Version = p.Version + 1 }, PaymentEventTypes.DisputeCreated),
        _ => (null, null),
    };

    private static void WriteNotification(Utf8JsonWriter w, ProcessorNotification n)
    {
        if (n.Type != ProcessorNotificationType.DisputeCreated)
        {
            return;
        }

        w.WriteStartObject("dispute");
        w.WriteString("id", n.DisputeId);
        w.WriteNumber("amount", n.Amount ?? 0);
        w.WriteString("reason", n.DisputeReason);
        w.WriteEndObject();
    }
}
