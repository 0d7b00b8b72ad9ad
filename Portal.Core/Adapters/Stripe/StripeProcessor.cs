using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Payments;
using Stripe;

namespace Portal.Core.Adapters.Stripe;

/// <summary>
/// <see cref="IPaymentProcessor"/> on Stripe PaymentIntents: one confirmed, server-side intent per charge (no redirects),
/// the portal's idempotency key sent as Stripe's <c>Idempotency-Key</c>. Declines and failures are results, not exceptions;
/// messages are the portal's own (Stripe's texts can echo the response body or a masked key).
/// </summary>
internal sealed class StripeProcessor : IPaymentProcessor
{
    public const string HttpClientName = "stripe";

    private readonly PaymentIntentService _paymentIntents;
    private readonly RefundService _refunds;
    private readonly ILogger<StripeProcessor> _logger;

    public StripeProcessor(IOptions<StripeOptions> options, HttpClient httpClient, ILogger<StripeProcessor> logger)
    {
        var settings = options.Value;
        var client = new StripeClient(
            settings.SecretKey,
            httpClient: new SystemNetHttpClient(httpClient, settings.MaxNetworkRetries, appInfo: null, enableTelemetry: false),
            apiBase: string.IsNullOrWhiteSpace(settings.ApiBase) ? null : settings.ApiBase.TrimEnd('/'));
        _paymentIntents = new PaymentIntentService(client);
        _refunds = new RefundService(client);
        _logger = logger;
    }

    public string Name => "stripe";

    /// <summary>The portal's trace id in the processor's own record (metadata <c>trace_id</c>), so a support case on either side finds the other.</summary>
    private static void AddTraceId(Dictionary<string, string> metadata, string? traceId)
    {
        if (traceId is not null)
        {
            metadata["trace_id"] = traceId;
        }
    }

    public async Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(charge);
        var create = new PaymentIntentCreateOptions
        {
            Amount = charge.Amount,
            Currency = charge.Currency.ToLowerInvariant(),
            // Only a Stripe customer id means anything to Stripe; the portal's own customer ids stay in the portal.
            Customer = charge.CustomerId.StartsWith("cus_", StringComparison.Ordinal) ? charge.CustomerId : null,
            PaymentMethod = charge.PaymentMethod,
            Confirm = true,
            // Confirmed on the server: no redirect-based methods, and a card needing 3-D Secure fails instead of waiting.
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
            ErrorOnRequiresAction = true,
            Metadata = new Dictionary<string, string>
            {
                ["payment_id"] = new PaymentId(charge.PaymentId).ToString(),
                ["merchant_id"] = new MerchantId(charge.MerchantId).ToString(),
            },
        };
        AddTraceId(create.Metadata, charge.TraceId);

        try
        {
            var intent = await _paymentIntents.CreateAsync(create, new RequestOptions { IdempotencyKey = charge.IdempotencyKey }, cancellationToken);
            return intent.Status switch
            {
                "succeeded" => new ProcessorResult(ProcessorOutcome.Succeeded, intent.Id),
                "requires_payment_method" => Declined(intent.Id, StripeErrors.CodeOf(intent.LastPaymentError) ?? "card_declined"),
                "requires_action" => Declined(intent.Id, "authentication_required"),
                // "processing" (and anything new): not final; the webhook brings the outcome. Not a decline.
                _ => new ProcessorResult(ProcessorOutcome.Unknown, intent.Id, "processing", "The processor has not finished the payment yet."),
            };
        }
        catch (StripeException e)
        {
            return FromException(e, charge.PaymentId, "charge");
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            _logger.LogWarning("Stripe charge for payment {PaymentId} failed in transport ({ExceptionType})", charge.PaymentId, e.GetType().Name);
            return ProcessorResult.NeverSent(e) ? Unavailable(null) : Unconfirmed(null);
        }
    }

    public async Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refund);
        var create = new RefundCreateOptions
        {
            PaymentIntent = refund.PaymentReference,
            Amount = refund.Amount,
            Metadata = new Dictionary<string, string>
            {
                ["refund_id"] = new RefundId(refund.RefundId).ToString(),
                ["payment_id"] = new PaymentId(refund.PaymentId).ToString(),
            },
        };
        AddTraceId(create.Metadata, refund.TraceId);

        try
        {
            var created = await _refunds.CreateAsync(create, new RequestOptions { IdempotencyKey = refund.IdempotencyKey }, cancellationToken);
            return created.Status switch
            {
                "failed" or "canceled" => Declined(created.Id, created.FailureReason ?? "refund_failed"),
                // succeeded, or pending (Stripe settles it later and reports a failure through charge.refund.updated).
                _ => new ProcessorResult(ProcessorOutcome.Succeeded, created.Id),
            };
        }
        catch (StripeException e)
        {
            return FromException(e, refund.PaymentId, "refund");
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            _logger.LogWarning("Stripe refund for payment {PaymentId} failed in transport ({ExceptionType})", refund.PaymentId, e.GetType().Name);
            return ProcessorResult.NeverSent(e) ? Unavailable(null) : Unconfirmed(null);
        }
    }

    // A network failure or a timeout of ours, not the caller giving up.
    private static bool IsTransport(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException || (e is TaskCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested);

    private ProcessorResult FromException(StripeException e, Guid paymentId, string operation)
    {
        var error = e.StripeError;
        var status = (int)e.HttpStatusCode;
        var reference = error?.PaymentIntent?.Id;
        // Only the classification is logged: never e.Message (it can echo the body or a masked key), never the request.
        _logger.LogWarning("Stripe {Operation} for payment {PaymentId} answered {Status} {ErrorType}/{ErrorCode}/{DeclineCode}",
            operation, paymentId, status, error?.Type, error?.Code, error?.DeclineCode);

        if (error?.Type == "card_error" && error.Code != "processing_error")
        {
            return Declined(reference, StripeErrors.CodeOf(error) ?? "card_declined");
        }

        if (e.HttpStatusCode == HttpStatusCode.TooManyRequests || error?.Code is "rate_limit" or "lock_timeout")
        {
            return new ProcessorResult(ProcessorOutcome.Error, reference, "rate_limited", "The processor is busy. Try again shortly.");
        }

        if (error?.Code == "processing_error")
        {
            return Unavailable(reference);
        }

        // Stripe failed on its side or the answer was lost: it may have acted. Stripe asks for a retry with the same key.
        if (status >= 500 || status == 0 || error?.Type is "api_error" or "api_connection_error")
        {
            return Unconfirmed(reference);
        }

        if (status is 401 or 403 || error?.Type == "authentication_error")
        {
            _logger.LogError("Stripe refused the portal's credentials ({Status}); check Stripe:SecretKey", status);
            return new ProcessorResult(ProcessorOutcome.Error, reference, "processor_configuration", "The payment processor is not available right now.");
        }

        if (error?.Type == "idempotency_error")
        {
            return new ProcessorResult(ProcessorOutcome.Error, reference, "idempotency_error", "The processor saw this idempotency key with a different request.");
        }

        // invalid_request_error: an unknown or unusable payment method, an already refunded charge... Retrying will not help.
        return Declined(reference, error?.Code ?? "invalid_request");
    }

    private static ProcessorResult Declined(string? reference, string code) =>
        new(ProcessorOutcome.Declined, reference, code, StripeErrors.SafeMessage(code));

    private static ProcessorResult Unavailable(string? reference) =>
        new(ProcessorOutcome.Error, reference, "processor_unavailable", "The payment processor could not be reached. Try again with a new idempotency key.");

    private static ProcessorResult Unconfirmed(string? reference) =>
        new(ProcessorOutcome.Unknown, reference, "processor_unconfirmed", "The payment processor did not confirm the outcome. Retry with the same idempotency key.");
}

/// <summary>Stripe error codes to the portal's failure codes and safe, fixed messages.</summary>
internal static class StripeErrors
{
    /// <summary>The most specific code: the issuer's decline code (<c>insufficient_funds</c>) before the generic <c>card_declined</c>.</summary>
    public static string? CodeOf(StripeError? error) =>
        error is null ? null : !string.IsNullOrEmpty(error.DeclineCode) && error.DeclineCode != "generic_decline" ? error.DeclineCode : error.Code;

    public static string SafeMessage(string code) => code switch
    {
        "insufficient_funds" => "The card has insufficient funds.",
        "expired_card" => "The card has expired.",
        "incorrect_cvc" or "invalid_cvc" => "The card's security code is incorrect.",
        "lost_card" or "stolen_card" or "fraudulent" or "pickup_card" => "The card was declined.",
        "authentication_required" => "The card needs the customer's authentication, which a server-side payment cannot do.",
        "card_velocity_exceeded" => "The card has exceeded its limit.",
        "charge_already_refunded" => "The payment is already fully refunded.",
        "resource_missing" => "The payment method or payment is unknown to the processor.",
        _ => "The payment was declined.",
    };
}
