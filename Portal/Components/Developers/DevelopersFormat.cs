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

    public static string Response(int? statusCode, string? error) => statusCode is { } code ? $"HTTP {code}" : error ?? "—";
}
