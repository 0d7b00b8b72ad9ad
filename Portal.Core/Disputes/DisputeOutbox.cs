using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portal.Core.Merchants;
using Portal.Core.Notifications;
using Portal.Core.Payments;

namespace Portal.Core.Disputes;

/// <summary>
/// What leaves the portal when a dispute changes: the <c>dispute.created</c>, <c>dispute.updated</c> and <c>dispute.closed</c>
/// webhook events (written to the payment outbox, so the merchant's endpoints get them like payment events and the payment's
/// timeline shows them; see <see cref="PublishAsync"/> for how they survive a crash), and emails to the merchant's contact address (opened, 48 hours before the deadline, closed).
/// </summary>
public sealed class DisputeOutbox(IDisputeStore disputes, IPaymentStore payments, IEventOutbox events, IMerchantStore merchants, MerchantPiiVault pii, IEmailOutbox email, ILogger<DisputeOutbox> logger)
{
    /// <summary>
    /// Moves the webhook events <paramref name="dispute"/> owes (<see cref="Dispute.PendingEvents"/>) into the payment outbox,
    /// each under the id fixed when its change was written, so an event already there (a retry, the sweep after a crash) is
    /// not appended again; then clears them from the stored dispute at the same version. Returns the dispute as stored
    /// after: cleared, or as given when someone changed it meanwhile (their write carries the owed events and publishes them).
    /// </summary>
    public async Task<Dispute> PublishAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        if (dispute.PendingEvents.Count == 0)
        {
            return dispute;
        }

        if (await payments.GetAsync(dispute.PaymentId, cancellationToken) is { } payment)
        {
            // Strictly after the payment's last event, in the order they were owed: the outbox delivers by (time, id), and
            // two events of one moment (opened and closed by one processor event, or a fake clock) would otherwise go out in
            // the order of their random id bits.
            var earlier = await events.ForPaymentAsync(payment.Id, cancellationToken);
            var appended = earlier.Select(e => e.Id).ToHashSet();
            var last = earlier.Count > 0 ? earlier[^1].CreatedAt : DateTimeOffset.MinValue;
            var owed = new List<PaymentEvent>();
            foreach (var pending in dispute.PendingEvents.Where(p => !appended.Contains(p.Id)))
            {
                var at = pending.At > last ? pending.At : last.AddTicks(1);
                owed.Add(PaymentEventData.Create(pending.Type, payment, at, w => WriteDispute(w, dispute)) with { Id = pending.Id });
                last = at;
            }

            if (owed.Count > 0)
            {
                await payments.WriteAsync(new PaymentWrite { Events = owed }, cancellationToken);
            }
        }
        else
        {
            logger.LogWarning("Dispute {DisputeId} names a payment that is not stored; its {Count} webhook events are dropped", dispute.DisplayId, dispute.PendingEvents.Count);
        }

        var cleared = dispute with { PendingEvents = [] };
        return await disputes.UpdateAsync(cleared, dispute.Version, cancellationToken) == DisputeWriteOutcome.Done ? cleared : dispute;
    }

    public Task OpenedAsync(Dispute d, CancellationToken cancellationToken) => EmailAsync(d,
        $"Dispute opened: {Format(d.Amount)} ({d.Reason})",
        $"A customer disputed payment {new PaymentId(d.PaymentId)}. Respond with evidence or accept the dispute before {d.EvidenceDueBy:yyyy-MM-dd HH:mm} UTC. Dispute {d.DisplayId}.",
        cancellationToken);

    public Task ReminderAsync(Dispute d, CancellationToken cancellationToken) => EmailAsync(d,
        $"Dispute {d.DisplayId}: evidence due by {d.EvidenceDueBy:yyyy-MM-dd HH:mm} UTC",
        $"No evidence has been submitted for the dispute of payment {new PaymentId(d.PaymentId)} ({Format(d.Amount)}). Submit it or accept the dispute before the deadline; after it the dispute is lost.",
        cancellationToken);

    public Task ClosedAsync(Dispute d, CancellationToken cancellationToken) => EmailAsync(d,
        $"Dispute {d.DisplayId} closed: {DisputeNames.Label(d.Status).ToLowerInvariant()}",
        $"The dispute of payment {new PaymentId(d.PaymentId)} ({Format(d.Amount)}) is closed: {DisputeNames.Label(d.Status).ToLowerInvariant()}.",
        cancellationToken);

    internal static void WriteDispute(Utf8JsonWriter w, Dispute d)
    {
        w.WriteStartObject("dispute");
        w.WriteString("id", d.DisplayId);
        w.WriteString("processor_dispute_id", d.ProcessorDisputeId);
        w.WriteNumber("amount", d.Amount.Minor);
        w.WriteString("currency", d.Amount.Currency);
        w.WriteString("reason", d.Reason);
        w.WriteString("status", DisputeNames.Status(d.Status));
        w.WriteString("evidence", DisputeNames.Evidence(d.EvidenceState));
        w.WriteString("evidence_due_by", d.EvidenceDueBy);
        w.WriteEndObject();
    }

    private static string Format(Money m) => Currencies.Format(m);

    private async Task EmailAsync(Dispute d, string subject, string body, CancellationToken cancellationToken)
    {
        if (await merchants.GetAsync(d.MerchantId, cancellationToken) is not { } record)
        {
            return;
        }

        var contact = (await pii.OpenAsync(record.Id, record.SealedPii, cancellationToken)).ContactEmail;
        if (string.IsNullOrWhiteSpace(contact))
        {
            logger.LogWarning("Merchant {MerchantId} has no contact email; dispute {DisputeId} notice not emailed", new MerchantId(d.MerchantId), d.DisplayId);
            return;
        }

        await email.SendAsync(contact, subject, body, $"/disputes/{d.DisplayId}", cancellationToken);
    }
}
