using MudBlazor;
using Portal.Core.Webhooks;

namespace Portal.Components.Developers;

internal static class DevelopersFormat
{
    public static string At(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    public static Color StatusColor(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Succeeded => Color.Success,
        WebhookDeliveryStatus.Failed => Color.Error,
        WebhookDeliveryStatus.Pending => Color.Warning,
        _ => Color.Default,
    };

    public static string StatusText(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Succeeded => "Succeeded",
        WebhookDeliveryStatus.Failed => "Failed",
        WebhookDeliveryStatus.Pending => "Pending",
        _ => status.ToString(),
    };

    /// <summary>
    /// A delivery's state as the merchant needs it: a pending delivery that has already failed is "Retrying" (it will be
    /// tried again at its next retry), not "Pending" like one that was never attempted.
    /// </summary>
    public static string StatusText(WebhookDelivery delivery) =>
        IsRetrying(delivery ?? throw new ArgumentNullException(nameof(delivery))) ? "Retrying" : StatusText(delivery.Status);

    public static Color StatusColor(WebhookDelivery delivery) =>
        IsRetrying(delivery ?? throw new ArgumentNullException(nameof(delivery))) ? Color.Error : delivery.Status == WebhookDeliveryStatus.Pending ? Color.Info : StatusColor(delivery.Status);

    public static bool IsRetrying(WebhookDelivery delivery) =>
        delivery is { Status: WebhookDeliveryStatus.Pending, AttemptCount: > 0 };

    /// <summary>The filter's label: the store's Pending holds both the never-tried and the retrying deliveries.</summary>
    public static string FilterText(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "Pending or retrying",
        WebhookDeliveryStatus.Failed => "Failed (no more retries)",
        _ => StatusText(status),
    };

    /// <summary>The payload indented for reading; as stored when it is not JSON.</summary>
    public static string Payload(string payload)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(payload);
            return System.Text.Json.JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (System.Text.Json.JsonException)
        {
            return payload;
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Response(int? statusCode, string? error) => statusCode is { } code ? $"HTTP {code}" : error ?? "—";
}
