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

    public string DisplayId => WebhookIds.Endpoint(Id);

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
    public string DisplayId => WebhookIds.Delivery(Id);

    public string EventDisplayId => "evt_" + EventId.ToString("N");
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

/// <summary>The prefixed ids shown to merchants.</summary>
public static class WebhookIds
{
    public static string Endpoint(Guid id) => "we_" + id.ToString("N");

    public static string Delivery(Guid id) => "wd_" + id.ToString("N");

    public static Guid? ParseEndpoint(string? value) => Parse(value, "we_");

    public static Guid? ParseDelivery(string? value) => Parse(value, "wd_");

    public static Guid? ParseEvent(string? value) => Parse(value, "evt_");

    private static Guid? Parse(string? value, string prefix) =>
        value is not null && value.StartsWith(prefix, StringComparison.Ordinal) && Guid.TryParseExact(value[prefix.Length..], "N", out var id) ? id : null;
}

/// <summary>Audit action names of the webhook use cases.</summary>
public static class WebhookAuditActions
{
    public const string EndpointCreated = "webhook.endpoint_created";
    public const string EndpointUpdated = "webhook.endpoint_updated";
    public const string EndpointDeleted = "webhook.endpoint_deleted";
    public const string SecretRolled = "webhook.secret_rolled";
    public const string DeliveryReplayed = "webhook.delivery_replayed";
}
