namespace Portal.Core.Payments;

/// <summary>
/// Inbound processor events already handled, by the sender's event id, so a redelivered event has no second effect.
/// Entries are kept <see cref="Retention"/> (processors stop redelivering long before).
/// </summary>
public interface IProcessedWebhookEvents
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>Records the event atomically: true the first time, false for a duplicate (also under concurrent delivery).</summary>
    Task<bool> TryRecordAsync(string source, string eventId, CancellationToken cancellationToken);

    /// <summary>Removes a record whose processing failed, so the sender's retry is processed instead of ignored.</summary>
    Task ForgetAsync(string source, string eventId, CancellationToken cancellationToken);
}
