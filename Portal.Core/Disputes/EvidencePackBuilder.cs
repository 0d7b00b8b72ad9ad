using System.Globalization;
using System.Text;
using Portal.Core.Payments;
using Portal.Core.Webhooks;

namespace Portal.Core.Disputes;

/// <summary>A fulfilment event the merchant's own systems were told about, with what its endpoint answered.</summary>
public sealed record FulfilmentDelivery(string EventType, DateTimeOffset At, WebhookDeliveryStatus Status, int? StatusCode);

/// <summary>
/// What the portal knows that supports the merchant's case, and the evidence it suggests from it: the payment and its
/// timeline, the customer's earlier payments with this merchant, the webhook deliveries of fulfilment events, and the refund
/// policy on file (the payment's <c>refund_policy</c> metadata; the merchant profile has none yet).
/// </summary>
public sealed record EvidencePack(
    Payment Payment,
    IReadOnlyList<PaymentEvent> Timeline,
    IReadOnlyList<Payment> EarlierPayments,
    IReadOnlyList<FulfilmentDelivery> Deliveries,
    string? RefundPolicy,
    DisputeEvidence Suggested);

/// <summary>Builds the <see cref="EvidencePack"/> of a dispute the actor may see, from the merchant's own data only.</summary>
public sealed class EvidencePackBuilder(DisputeService disputes, IPaymentStore payments, IEventOutbox events, IWebhookStore webhooks)
{
    public const int EarlierPaymentsLimit = 10;

    public async Task<Result<EvidencePack>> BuildAsync(Actor actor, Guid disputeId, CancellationToken cancellationToken = default)
    {
        var found = await disputes.GetAsync(actor, disputeId, cancellationToken);
        if (!found.TryGet(out var dispute))
        {
            return found.Error!;
        }

        if (await payments.GetAsync(dispute.PaymentId, cancellationToken) is not { } payment || payment.MerchantId != dispute.MerchantId)
        {
            return Error.NotFound("The disputed payment is not on file.");
        }

        var timeline = await events.ForPaymentAsync(payment.Id, cancellationToken);
        var earlier = (await payments.ListAsync(new PaymentListQuery(payment.MerchantId, CustomerId: payment.CustomerId, Limit: EarlierPaymentsLimit + 1), cancellationToken)).Items
            .Where(p => p.Id != payment.Id && p.CreatedAt <= payment.CreatedAt).Take(EarlierPaymentsLimit).ToList();
        var deliveries = new List<FulfilmentDelivery>();
        foreach (var e in timeline.Where(e => e.Type == PaymentEventTypes.Succeeded))
        {
            var page = await webhooks.ListDeliveriesAsync(new WebhookDeliveryQuery(payment.MerchantId, EventId: e.Id), cancellationToken);
            deliveries.AddRange(page.Items.Select(d => new FulfilmentDelivery(d.EventType, d.LastAttemptAt ?? d.CreatedAt, d.Status, d.LastStatusCode)));
        }

        var refundPolicy = payment.Metadata.GetValueOrDefault("refund_policy");
        return new EvidencePack(payment, timeline, earlier, deliveries, refundPolicy, Suggest(payment, earlier, deliveries, refundPolicy));
    }

    /// <summary>Evidence suggested from the pack; the merchant's own draft fields win over it (<see cref="Merge"/>).</summary>
    internal static DisputeEvidence Suggest(Payment payment, IReadOnlyList<Payment> earlier, IReadOnlyList<FulfilmentDelivery> deliveries, string? refundPolicy)
    {
        string? Meta(params string[] keys) => keys.Select(k => payment.Metadata.GetValueOrDefault(k)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        var money = Format(payment.Amount, payment.Currency);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Payment {payment.DisplayId} of {money} was authorised and succeeded on {payment.CreatedAt:yyyy-MM-dd HH:mm} UTC");
        text.Append(payment.OrderId is { } order ? $" for order {order}." : ".");
        var paid = earlier.Where(p => p.Status is PaymentStatus.Succeeded or PaymentStatus.PartiallyRefunded or PaymentStatus.Refunded).ToList();
        if (paid.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $" The same customer made {paid.Count} earlier successful payment{(paid.Count == 1 ? "" : "s")} with us since {paid.Min(p => p.CreatedAt):yyyy-MM-dd}, none of them disputed.");
        }

        if (deliveries.FirstOrDefault(d => d.Status == WebhookDeliveryStatus.Succeeded) is { } delivered)
        {
            text.Append(CultureInfo.InvariantCulture, $" Our fulfilment system was notified of the payment on {delivered.At:yyyy-MM-dd HH:mm} UTC and acknowledged it (HTTP {delivered.StatusCode}).");
        }

        return new DisputeEvidence(
            ProductDescription: Meta("product_description", "description", "product"),
            CustomerName: Meta("customer_name"),
            CustomerEmailAddress: Meta("customer_email", "customer_email_address", "email"),
            BillingAddress: Meta("billing_address"),
            ServiceDate: payment.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ShippingCarrier: Meta("shipping_carrier", "carrier"),
            ShippingTrackingNumber: Meta("tracking_number", "shipping_tracking_number"),
            RefundPolicyDisclosure: refundPolicy,
            CancellationRebuttal: null,
            Explanation: text.ToString());
    }

    /// <summary>The draft with its empty fields filled from the suggestion; what the merchant wrote is kept.</summary>
    public static DisputeEvidence Merge(DisputeEvidence draft, DisputeEvidence suggested)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(suggested);
        static string? Pick(string? mine, string? theirs) => string.IsNullOrWhiteSpace(mine) ? theirs : mine;
        return new DisputeEvidence(Pick(draft.ProductDescription, suggested.ProductDescription), Pick(draft.CustomerName, suggested.CustomerName),
            Pick(draft.CustomerEmailAddress, suggested.CustomerEmailAddress), Pick(draft.BillingAddress, suggested.BillingAddress), Pick(draft.ServiceDate, suggested.ServiceDate),
            Pick(draft.ShippingCarrier, suggested.ShippingCarrier), Pick(draft.ShippingTrackingNumber, suggested.ShippingTrackingNumber),
            Pick(draft.RefundPolicyDisclosure, suggested.RefundPolicyDisclosure), Pick(draft.CancellationRebuttal, suggested.CancellationRebuttal),
            Pick(draft.Explanation, suggested.Explanation));
    }

    private static string Format(long minor, string currency) => Currencies.Format(new Money(minor, currency));
}
