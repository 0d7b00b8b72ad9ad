namespace Portal.Core.Webhooks;

/// <summary>
/// Webhook endpoints, deliveries and attempts. Every merchant-facing read and change takes the merchant id, so another
/// merchant's id looks unknown. Deliveries are unique per (event, endpoint).
/// </summary>
public interface IWebhookStore
{
    Task AddEndpointAsync(WebhookEndpoint endpoint, byte[] sealedSecret, CancellationToken cancellationToken);

    /// <summary>The merchant's endpoints that are not deleted, newest first.</summary>
    Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(Guid merchantId, CancellationToken cancellationToken);

    /// <summary>The merchant's endpoint, or null when unknown, deleted or another merchant's.</summary>
    Task<WebhookEndpoint?> GetEndpointAsync(Guid merchantId, Guid endpointId, CancellationToken cancellationToken);

    /// <summary>For the sender: the endpoint with its sealed secret, deleted or not; null when unknown.</summary>
    Task<StoredWebhookEndpoint?> GetEndpointForSendingAsync(Guid endpointId, CancellationToken cancellationToken);

    Task<bool> UpdateEndpointAsync(Guid merchantId, Guid endpointId, bool enabled, string? description, DateTimeOffset at, CancellationToken cancellationToken);

    Task<bool> SetSecretAsync(Guid merchantId, Guid endpointId, byte[] sealedSecret, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Marks the endpoint deleted (its deliveries stay in the log) and fails its pending deliveries.</summary>
    Task<bool> DeleteEndpointAsync(Guid merchantId, Guid endpointId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Inserts the deliveries in one transaction; one that exists for the same (event, endpoint) is skipped. Returns how many were new.</summary>
    Task<int> AddDeliveriesAsync(IReadOnlyCollection<WebhookDelivery> deliveries, CancellationToken cancellationToken);

    /// <summary>Pending deliveries whose next attempt is due at <paramref name="now"/>, oldest due first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> DueDeliveriesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a due delivery for one sender: moves its next attempt to <paramref name="leaseUntil"/> if it is still pending at
    /// <paramref name="expectedNextAttempt"/>. False when another sender took it first. A sender that dies retries after the lease.
    /// </summary>
    Task<bool> ClaimAsync(Guid deliveryId, DateTimeOffset expectedNextAttempt, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Appends the attempt (numbered after the stored count) and updates the delivery, in one transaction.</summary>
    Task<WebhookAttempt> RecordAttemptAsync(WebhookAttempt attempt, WebhookDeliveryUpdate update, CancellationToken cancellationToken);

    /// <summary>Fails a pending delivery without an attempt (its endpoint was disabled or deleted).</summary>
    Task CloseDeliveryAsync(Guid deliveryId, string reason, CancellationToken cancellationToken);

    Task<WebhookDelivery?> GetDeliveryAsync(Guid merchantId, Guid deliveryId, CancellationToken cancellationToken);

    /// <summary>A delivery's attempts, oldest first.</summary>
    Task<IReadOnlyList<WebhookAttempt>> AttemptsAsync(Guid deliveryId, CancellationToken cancellationToken);

    Task<WebhookDeliveryPage> ListDeliveriesAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken);
}
