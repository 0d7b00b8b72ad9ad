using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Adapters.Stripe;
using Portal.Web;

namespace Portal.Api;

/// <summary>
/// POST /api/v1/webhooks/stripe: Stripe's event deliveries. Anonymous; the <c>Stripe-Signature</c> header authenticates
/// each delivery. 200 tells Stripe to stop retrying (also for duplicates, ignored types and unknown payments); 400 for a
/// missing, wrong or stale signature and for an unreadable event.
/// </summary>
internal static class StripeWebhooksApi
{
    /// <summary>Stripe's events are small, but larger than the API's 64 KB default allows for.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static void MapStripeWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/webhooks/stripe", ReceiveAsync)
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithMetadata(new LargeBody(MaxBodyBytes))
            .WithTags("Processor webhooks")
            .WithName("ReceiveStripeWebhook")
            .WithMetadata(Portal.Api.OpenApi.ApiHeaders.StripeSignature)
            .WithMetadata(new Portal.Api.OpenApi.ApiRawBody("A Stripe event, exactly as Stripe sent it (the signature covers these bytes).", false, "application/json"))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Stripe event delivery, verified by its Stripe-Signature header (timestamped HMAC-SHA256, 5 minutes tolerance).");
    }

    internal static async Task<Results<Ok, ProblemHttpResult>> ReceiveAsync(HttpContext context, CancellationToken cancellationToken)
    {
        // Resolved here, not bound: the receiver exists only when Stripe is the configured processor.
        if (context.RequestServices.GetService<StripeWebhookReceiver>() is not { } receiver)
        {
            return TypedResults.Problem(title: "Not found", detail: "Stripe is not the configured payment processor.", statusCode: StatusCodes.Status404NotFound);
        }

        // The signature covers the exact bytes: read them as they came (the body limit applies while reading).
        string payload;
        using (var reader = new StreamReader(context.Request.Body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false))
        {
            payload = await reader.ReadToEndAsync(cancellationToken);
        }

        var result = await receiver.ReceiveAsync(payload, context.Request.Headers["Stripe-Signature"].ToString(), cancellationToken);
        return result.Outcome switch
        {
            StripeWebhookOutcome.Applied or StripeWebhookOutcome.Duplicate or StripeWebhookOutcome.Ignored or StripeWebhookOutcome.UnknownPayment => TypedResults.Ok(),
            StripeWebhookOutcome.MissingSignature => BadRequest("Missing signature", "The Stripe-Signature header is required."),
            StripeWebhookOutcome.InvalidSignature => BadRequest("Invalid signature", "The Stripe-Signature header does not match the body for this endpoint's signing secret."),
            StripeWebhookOutcome.StaleTimestamp => BadRequest("Stale signature", "The signature's timestamp is more than 5 minutes from the portal's clock; replays are refused."),
            StripeWebhookOutcome.MalformedPayload => BadRequest("Malformed event", "The body is not a Stripe event the portal can read."),
            _ => BadRequest("Malformed event", "The body is not a Stripe event the portal can read."),
        };
    }

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
