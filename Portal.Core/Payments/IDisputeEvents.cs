namespace Portal.Core.Payments;

/// <summary>
/// Where processor dispute events go once their payment is found (implemented by the disputes feature). Applying is
/// idempotent and ordered by the event's time: a duplicate or an older event changes nothing.
/// </summary>
public interface IDisputeEvents
{
    Task ApplyAsync(Payment payment, ProcessorNotification notification, CancellationToken cancellationToken);
}
