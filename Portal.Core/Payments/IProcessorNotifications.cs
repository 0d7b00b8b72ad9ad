namespace Portal.Core.Payments;

/// <summary>
/// What a processor tells the portal later, through its own webhooks (e.g. Stripe's <c>charge.dispute.created</c>).
/// Implemented by the payment service; inbound webhook endpoints verify, de-duplicate and then call it.
/// </summary>
public interface IProcessorNotifications
{
    /// <summary>Applies the notification to the payment with that processor reference; false when no payment has it.</summary>
    Task<bool> ApplyAsync(ProcessorNotification notification, CancellationToken cancellationToken);
}

public enum ProcessorNotificationType
{
    Succeeded,
    Failed,
    Refunded,
    DisputeCreated,

    /// <summary>The processor changed a dispute (status, deadline, amount): applied by the dispute service.</summary>
    DisputeUpdated,

    /// <summary>The processor closed a dispute (won, lost): applied by the dispute service.</summary>
    DisputeClosed,
}

/// <summary>
/// One notification. <see cref="Reference"/> is the processor's id of the payment (Stripe: the PaymentIntent id);
/// <see cref="EventId"/> the processor's event id, for logs and the payment's timeline. <see cref="PaymentId"/> is the
/// portal's own payment id when the processor echoes it back (Stripe: the PaymentIntent's <c>payment_id</c> metadata), which
/// finds a payment whose charge request never got an answer and so has no processor reference yet.
/// Dispute events carry the processor's dispute <see cref="DisputeStatus"/> (Stripe's words: <c>needs_response</c>, <c>won</c>...),
/// the <see cref="EvidenceDueBy"/> deadline, the <see cref="Currency"/> of <see cref="Amount"/>, and when the processor created
/// the event (<see cref="OccurredAt"/>), so an older event arriving after a newer one changes nothing.
/// </summary>
public sealed record ProcessorNotification(
    ProcessorNotificationType Type,
    string Reference,
    string EventId,
    string? FailureCode = null,
    string? Message = null,
    long? Amount = null,
    string? DisputeId = null,
    string? DisputeReason = null,
    Guid? PaymentId = null,
    string? DisputeStatus = null,
    DateTimeOffset? EvidenceDueBy = null,
    string? Currency = null,
    DateTimeOffset? OccurredAt = null)
{
    public bool IsDispute => Type is ProcessorNotificationType.DisputeCreated or ProcessorNotificationType.DisputeUpdated or ProcessorNotificationType.DisputeClosed;
}
