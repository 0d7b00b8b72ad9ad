using System.Text.Json;

namespace Portal.Core.Payments;

/// <summary>The <c>data</c> object of webhook events: a snapshot of the payment (no PII beyond the merchant's own ids).</summary>
public static class PaymentEventData
{
    public static PaymentEvent Create(string type, Payment payment, DateTimeOffset at, Action<Utf8JsonWriter>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", payment.DisplayId);
            w.WriteString("object", "payment");
            w.WriteNumber("amount", payment.Amount);
            w.WriteString("currency", payment.Currency);
            w.WriteString("status", StatusName(payment.Status));
            w.WriteString("customer_id", payment.CustomerId);
            w.WriteString("order_id", payment.OrderId);
            w.WriteString("failure_code", payment.FailureCode);
            w.WriteBoolean("retryable", payment.Retryable);
            w.WriteNumber("refunded_amount", payment.RefundedAmount);
            w.WriteNumber("fraud_score", payment.FraudScore);
            w.WriteStartObject("metadata");
            foreach (var (key, value) in payment.Metadata)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            extra?.Invoke(w);
            w.WriteEndObject();
        }

        return new PaymentEvent(Guid.CreateVersion7(at), payment.MerchantId, type, payment.Id, System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), at);
    }

    /// <summary>Status names on the wire: snake_case (<c>held_for_review</c>).</summary>
    public static string StatusName(PaymentStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
