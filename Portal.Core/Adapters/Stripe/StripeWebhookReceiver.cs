using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Payments;
using Stripe;

namespace Portal.Core.Adapters.Stripe;

public enum StripeWebhookOutcome
{
    /// <summary>Verified and handed to <see cref="IProcessorNotifications"/>.</summary>
    Applied,

    /// <summary>An event id seen before: no effect.</summary>
    Duplicate,

    /// <summary>A type the portal does not act on, or an object with no PaymentIntent.</summary>
    Ignored,

    /// <summary>No payment has the event's PaymentIntent (logged; answered 200 so Stripe stops retrying).</summary>
    UnknownPayment,
    MissingSignature,
    InvalidSignature,

    /// <summary>Signed more than <see cref="StripeWebhookReceiver.ToleranceSeconds"/> before or after the portal's clock.</summary>
    StaleTimestamp,
    MalformedPayload,
}

/// <summary>What became of one delivery; <see cref="EventId"/> is known once the payload is verified and parsed.</summary>
public sealed record StripeWebhookResult(StripeWebhookOutcome Outcome, string? EventId = null)
{
    public bool Accepted => Outcome is StripeWebhookOutcome.Applied or StripeWebhookOutcome.Duplicate or StripeWebhookOutcome.Ignored or StripeWebhookOutcome.UnknownPayment;
}

/// <summary>
/// Inbound Stripe events: verifies <c>Stripe-Signature</c> (Stripe.net's timestamped HMAC-SHA256, constant-time, any of
/// several <c>v1</c> entries, against the injected clock), parses the event, drops duplicates by event id and applies
/// PaymentIntent, refund and dispute events. Logs carry the event id and type only, never the payload.
/// </summary>
internal sealed class StripeWebhookReceiver(
    IOptions<StripeOptions> options,
    IProcessedWebhookEvents processed,
    IProcessorNotifications notifications,
    TimeProvider clock,
    ILogger<StripeWebhookReceiver> logger)
{
    public const string Source = "stripe";
    public const long ToleranceSeconds = 300;

    public async Task<StripeWebhookResult> ReceiveAsync(string payload, string? signatureHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return new(StripeWebhookOutcome.MissingSignature);
        }

        if (Verify(payload, signatureHeader) is { } refused)
        {
            return new(refused);
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(payload, throwOnApiVersionMismatch: false);
        }
        catch (Exception e) when (e is JsonException or Newtonsoft.Json.JsonException or InvalidOperationException or FormatException or StripeException)
        {
            return new(StripeWebhookOutcome.MalformedPayload);
        }

        if (string.IsNullOrEmpty(stripeEvent?.Id) || string.IsNullOrEmpty(stripeEvent.Type))
        {
            return new(StripeWebhookOutcome.MalformedPayload);
        }

        var eventId = stripeEvent.Id;
        var (known, notification) = Map(stripeEvent);
        if (!known)
        {
            return new(StripeWebhookOutcome.Ignored, eventId);
        }

        if (notification is null)
        {
            // A known type whose object is not the expected one, or carries no PaymentIntent.
            if (stripeEvent.Data?.Object is null)
            {
                return new(StripeWebhookOutcome.MalformedPayload, eventId);
            }

            logger.LogWarning("Stripe event {EventId} ({EventType}) has no PaymentIntent; ignored", eventId, stripeEvent.Type);
            return new(StripeWebhookOutcome.Ignored, eventId);
        }

        if (await processed.ContainsAsync(Source, eventId, cancellationToken))
        {
            logger.LogInformation("Stripe event {EventId} already processed; ignored", eventId);
            return new(StripeWebhookOutcome.Duplicate, eventId);
        }

        // Apply first, record second: a crash or failure in between leaves the event unrecorded, so Stripe's redelivery is
        // applied rather than dropped as a duplicate. Applying is state-based (a payment already succeeded, refunded to that
        // amount or disputed is left alone), so two deliveries racing past the check above change nothing twice.
        var applied = await notifications.ApplyAsync(notification, cancellationToken);
        if (!await processed.TryRecordAsync(Source, eventId, cancellationToken))
        {
            logger.LogInformation("Stripe event {EventId} already processed; ignored", eventId);
            return new(StripeWebhookOutcome.Duplicate, eventId);
        }

        if (!applied)
        {
            logger.LogWarning("Stripe event {EventId} ({EventType}) names a payment the portal does not have", eventId, stripeEvent.Type);
            return new(StripeWebhookOutcome.UnknownPayment, eventId);
        }

        logger.LogInformation("Stripe event {EventId} ({EventType}) applied", eventId, stripeEvent.Type);
        return new(StripeWebhookOutcome.Applied, eventId);
    }

    private StripeWebhookOutcome? Verify(string payload, string header)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Valid(payload, header, ToleranceSeconds, now))
        {
            return null;
        }

        // Stripe.net reports both failures alike: "stale" only for a genuine signature outside the window (a replay).
        return Valid(payload, header, long.MaxValue, now) ? StripeWebhookOutcome.StaleTimestamp : StripeWebhookOutcome.InvalidSignature;
    }

    private bool Valid(string payload, string header, long tolerance, long now)
    {
        try
        {
            EventUtility.ValidateSignature(payload, header, options.Value.WebhookSecret, tolerance, now);
            return true;
        }
        catch (Exception e) when (e is StripeException or FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The portal payment id the connector put in the PaymentIntent's metadata, if any.</summary>
    private static Guid? PortalPaymentId(PaymentIntent pi) =>
        pi.Metadata?.TryGetValue("payment_id", out var id) == true ? PaymentId.From(id)?.Value : null;

    // (known type, notification or null when the object does not fit)
    private static (bool Known, ProcessorNotification? Notification) Map(Event e) => e.Type switch
    {
        EventTypes.PaymentIntentSucceeded => (true, e.Data?.Object is PaymentIntent pi && !string.IsNullOrEmpty(pi.Id)
            ? new ProcessorNotification(ProcessorNotificationType.Succeeded, pi.Id, e.Id, Amount: pi.AmountReceived > 0 ? pi.AmountReceived : pi.Amount,
                PaymentId: PortalPaymentId(pi))
            : null),
        EventTypes.PaymentIntentPaymentFailed => (true, e.Data?.Object is PaymentIntent pi && !string.IsNullOrEmpty(pi.Id)
            ? Failed(pi, e.Id)
            : null),
        EventTypes.ChargeRefunded => (true, e.Data?.Object is Charge charge && !string.IsNullOrEmpty(charge.PaymentIntentId)
            ? new ProcessorNotification(ProcessorNotificationType.Refunded, charge.PaymentIntentId, e.Id, Amount: charge.AmountRefunded)
            : null),
        EventTypes.ChargeDisputeCreated => (true, DisputeNotification(e, ProcessorNotificationType.DisputeCreated)),
        EventTypes.ChargeDisputeUpdated => (true, DisputeNotification(e, ProcessorNotificationType.DisputeUpdated)),
        EventTypes.ChargeDisputeClosed => (true, DisputeNotification(e, ProcessorNotificationType.DisputeClosed)),
        _ => (false, null),
    };

    /// <summary>A dispute event with what the dispute record needs: status, deadline, currency and the event's own time (for ordering).</summary>
    private static ProcessorNotification? DisputeNotification(Event e, ProcessorNotificationType type) =>
        e.Data?.Object is Dispute dispute && !string.IsNullOrEmpty(dispute.PaymentIntentId)
            ? new ProcessorNotification(type, dispute.PaymentIntentId, e.Id, Amount: dispute.Amount, DisputeId: dispute.Id, DisputeReason: dispute.Reason,
                DisputeStatus: dispute.Status, EvidenceDueBy: dispute.EvidenceDetails?.DueBy is { } due ? new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc)) : null,
                Currency: dispute.Currency, OccurredAt: e.Created == default ? null : new DateTimeOffset(DateTime.SpecifyKind(e.Created, DateTimeKind.Utc)))
            : null;

    private static ProcessorNotification Failed(PaymentIntent pi, string eventId)
    {
        var code = StripeErrors.CodeOf(pi.LastPaymentError) ?? "payment_failed";
        return new ProcessorNotification(ProcessorNotificationType.Failed, pi.Id, eventId, FailureCode: code, Message: StripeErrors.SafeMessage(code), PaymentId: PortalPaymentId(pi));
    }
}
