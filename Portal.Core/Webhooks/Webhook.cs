namespace Portal.Core.Webhooks;

/// <summary>
/// A merchant's webhook endpoint. <see cref="EnabledEvents"/> holds event types from <see cref="Payments.PaymentEventTypes.All"/>,
/// or <see cref="AllEvents"/> alone. The signing secret is never part of this record (see <see cref="WebhookSecretProtector"/>).
/// </summary>
public sealed record WebhookEndpoint(
    Guid Id,
    Guid MerchantId,
    string Url,
    string? Description,
    IReadOnlyList<string> EnabledEvents,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public const string AllEvents = "*";

    public string DisplayId => new WebhookEndpointId(Id).ToString();

    public bool Receives(string eventType) => EnabledEvents.Contains(AllEvents, StringComparer.Ordinal) || EnabledEvents.Contains(eventType, StringComparer.Ordinal);
}

/// <summary>Returned at creation and when the secret is rolled: the only times the secret leaves the portal.</summary>
public sealed record WebhookEndpointWithSecret(WebhookEndpoint Endpoint, string Secret);

/// <summary>An endpoint as the sender needs it: the sealed secret, and whether it was deleted.</summary>
public sealed record StoredWebhookEndpoint(WebhookEndpoint Endpoint, byte[] SealedSecret, bool Deleted);

public enum WebhookDeliveryStatus
{
    Pending,
    Succeeded,
    Failed,
}

/// <summary>
/// One event for one endpoint: unique per (<see cref="EventId"/>, <see cref="EndpointId"/>), so re-dispatching an event is
/// harmless. <see cref="Payload"/> is the exact JSON body sent (signed afresh at each attempt).
/// </summary>
public sealed record WebhookDelivery(
    Guid Id,
    Guid MerchantId,
    Guid EndpointId,
    Guid EventId,
    string EventType,
    string Payload,
    WebhookDeliveryStatus Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt)
{
    public string DisplayId => new WebhookDeliveryId(Id).ToString();

    /// <summary>The trace of the event's origin (the outbox event's <c>TraceId</c>), sent with every attempt as a header.</summary>
    public string? TraceId { get; init; }

    public string EventDisplayId => new PaymentEventId(EventId).ToString();
}

/// <summary>One HTTP attempt: the status code or the error (timeout, refused address...), how long it took, and at most 1 KB of the answer.</summary>
public sealed record WebhookAttempt(
    Guid Id,
    Guid DeliveryId,
    int Number,
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    string? Error,
    long DurationMs,
    string? ResponseSnippet,
    bool Manual)
{
    public const int MaxSnippetChars = 1024;

    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>A delivery's state after an attempt.</summary>
public sealed record WebhookDeliveryUpdate(WebhookDeliveryStatus Status, DateTimeOffset? NextAttemptAt);

/// <summary>A merchant's deliveries, newest first; <see cref="Before"/> is the keyset (the id of the last row of the previous page).</summary>
public sealed record WebhookDeliveryQuery(
    Guid MerchantId,
    Guid? EventId = null,
    Guid? EndpointId = null,
    WebhookDeliveryStatus? Status = null,
    int Limit = 20,
    Guid? Before = null);

public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDelivery> Items, Guid? Next);

/// <summary>Audit action names of the webhook use cases.</summary>
public static class WebhookAuditActions
{
    public const string EndpointCreated = Audit.AuditActions.WebhookEndpointCreated;
    public const string EndpointUpdated = Audit.AuditActions.WebhookEndpointUpdated;
    public const string EndpointDeleted = Audit.AuditActions.WebhookEndpointDeleted;
    public const string SecretRolled = Audit.AuditActions.WebhookSecretRolled;
    public const string DeliveryReplayed = Audit.AuditActions.WebhookDeliveryReplayed;
}
