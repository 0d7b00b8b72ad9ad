using System.Text;
using System.Text.Json;
using Portal.Core.Payments;

namespace Portal.Core.Webhooks;

/// <summary>The body POSTed for an event: <c>{"id":"evt_…","type":"payment.succeeded","created":&lt;unix&gt;,"data":{…}}</c>.</summary>
public static class WebhookPayload
{
    public static string Build(PaymentEvent paymentEvent)
    {
        ArgumentNullException.ThrowIfNull(paymentEvent);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", paymentEvent.DisplayId);
            writer.WriteString("type", paymentEvent.Type);
            writer.WriteNumber("created", paymentEvent.CreatedAt.ToUnixTimeSeconds());
            writer.WritePropertyName("data");
            if (IsJsonObject(paymentEvent.Data))
            {
                writer.WriteRawValue(paymentEvent.Data, skipInputValidation: true);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool IsJsonObject(string? data)
    {
        if (string.IsNullOrWhiteSpace(data))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
