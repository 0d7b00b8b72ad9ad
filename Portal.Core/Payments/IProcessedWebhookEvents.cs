namespace Portal.Core.Payments;

/// <summary>
/// Inbound processor events already handled, by the sender's event id, so a redelivered event has no second effect.
/// Entries are kept <see cref="Retention"/> (processors stop redelivering long before).
/// </summary>
public interface IProcessedWebhookEvents
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>True when the event was recorded (and not yet expired): a redelivery to skip.</summary>
    Task<bool> ContainsAsync(string source, string eventId, CancellationToken cancellationToken);

    /// <summary>Records the event atomically: true the first time, false for a duplicate (also under concurrent delivery).</summary>
    Task<bool> TryRecordAsync(string source, string eventId, CancellationToken cancellationToken);
}
