using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;
using Portal.Api.OpenApi;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Payments;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>
/// /api/v1/payments: seed 001's payment initiation, with idempotency that holds under concurrency, fraud scoring before the
/// processor is called, and no card data ever accepted. Every created payment answers 201 whatever its outcome; clients
/// read <c>status</c> (succeeded, failed, blocked, held_for_review).
/// </summary>
internal static class PaymentsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static void AddPaymentsApi(this IServiceCollection services) => services.AddSingleton<PaymentRateLimiter>();

    public static void MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("payments", "Payments");
        group.MapPost("/", InitiateAsync).RequireAuthorization(PortalPolicies.Merchant).WithName("CreatePayment")
            .Accepts<PaymentBody>("application/json")
            .WithMetadata(ApiHeaders.IdempotencyKey)
            .Produces<PaymentDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Create a payment with a payment-method token. Send an Idempotency-Key header; a replay returns the original answer with Idempotent-Replayed: true.");
        group.MapGet("/", ListAsync).RequireAuthorization(p => p.RequireRole(PortalRoles.All.ToArray())).WithName("ListPayments")
            .ProducesValidationProblem()
            .WithSummary("Payments newest first, cursor-paged; merchants see their own, staff all (merchant_id filters).");
        group.MapGet("/{paymentId:payment_id}", GetAsync).RequireAuthorization(p => p.RequireRole(PortalRoles.All.ToArray())).WithName("GetPayment")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One payment with its fraud factors. Merchants can read only their own.");
        group.MapPost("/{paymentId:payment_id}/refunds", RefundAsync).RequireAuthorization(PortalPolicies.Merchant).WithName("RefundPayment")
            .Accepts<RefundBody>("application/json")
            .WithMetadata(ApiHeaders.IdempotencyKey)
            .Produces<RefundDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Refund all (no amount) or part of a payment, never above what is left. Idempotent per Idempotency-Key (without one, per payment and amount).");
    }

    [ApiRequest]
    public sealed record PaymentBody([property: Required] long? Amount, [property: Required] string? Currency, [property: Required] string? CustomerId,
        [property: Required] string? PaymentMethod, string? OrderId, string? DeviceId, string? IpAddress,
        string? Country, Dictionary<string, string>? Metadata);

    [ApiRequest]
    public sealed record RefundBody(long? Amount, string? Reason);

    public sealed record FraudFactorDto(string Rule, int Weight, string Detail);

    public sealed record FraudDto(int Score, IReadOnlyList<FraudFactorDto> Factors);

    public sealed record PaymentDto(
        string Id, string Object, string MerchantId, long Amount, string Currency, string Status, string CustomerId, string PaymentMethod, string? OrderId,
        string? DeviceId, string? IpAddress, string? Country, IReadOnlyDictionary<string, string> Metadata, string? FailureCode, string? FailureMessage, bool Retryable,
        FraudDto Fraud, string? Processor, string? ProcessorReference, long RefundedAmount, long AmountRefundable, DateTimeOffset Created, DateTimeOffset Updated);

    public sealed record RefundDto(string Id, string Object, string PaymentId, long Amount, string Currency, string? Reason, string PaymentStatus, long PaymentRefundedAmount,
        DateTimeOffset Created);

    public sealed record PaymentList(IReadOnlyList<PaymentDto> Data, int Count, string? NextCursor);

    internal static async Task<Results<Created<PaymentDto>, ValidationProblem, ProblemHttpResult>> InitiateAsync(HttpContext context, InitiatePayment payments,
        IOptions<JsonOptions> json, LatencyRecorder latency, PaymentRateLimiter limiter, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var actor = context.ToActor();
            if (actor.MerchantId is { } merchantId && !limiter.TryAcquire(merchantId))
            {
                context.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(title: "Too many requests",
                    detail: "This merchant is sending payments faster than its limit. Retry after a second with the same Idempotency-Key.",
                    statusCode: StatusCodes.Status429TooManyRequests);
            }

            var (body, invalid, problem) = await ReadBodyAsync<PaymentBody>(context, json.Value.SerializerOptions, cancellationToken);
            if (invalid is not null)
            {
                return invalid;
            }

            if (problem is not null)
            {
                return problem;
            }

            if (IdempotencyKey(context, out var key) is { } keyProblem)
            {
                return keyProblem;
            }

            var request = new PaymentRequest(body!.Amount ?? 0, body.Currency, body.CustomerId, body.PaymentMethod, body.OrderId, body.DeviceId, body.IpAddress,
                body.Country, body.Metadata);
            var result = await payments.InitiateAsync(actor, request, key, cancellationToken);
            if (!result.TryGet(out var answer))
            {
                return result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context, NoSuchPayment);
            }

            return Created(context, answer.Replayed, $"/api/v1/payments/{answer.Payment.DisplayId}", ToDto(answer.Payment));
        }
        finally
        {
            latency.Record(Stopwatch.GetElapsedTime(started));
        }
    }

    internal static async Task<Results<Created<RefundDto>, ValidationProblem, ProblemHttpResult>> RefundAsync(PaymentId paymentId, HttpContext context, RefundPayment refunds,
        IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (body, invalid, problem) = await ReadBodyAsync<RefundBody>(context, json.Value.SerializerOptions, cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }

        if (problem is not null)
        {
            return problem;
        }

        if (IdempotencyKey(context, out var key) is { } keyProblem)
        {
            return keyProblem;
        }

        var result = await refunds.RefundAsync(context.ToActor(), paymentId, body!.Amount, body.Reason, key, cancellationToken);
        if (!result.TryGet(out var answer))
        {
            return result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context, NoSuchPayment);
        }

        // A refund has no URL of its own: no Location.
        return Created(context, answer.Replayed, null, ToDto(answer.Refund, answer.Payment));
    }

    internal static async Task<Results<Ok<PaymentList>, ValidationProblem>> ListAsync(HttpContext context, PaymentQueries payments, string? limit, string? cursor,
        string? status, string? customer_id, string? merchant_id, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        int? size = null;
        if (limit is not null)
        {
            if (AsciiDigits.TryParse(limit, out int parsed))
            {
                size = parsed;
            }
            else
            {
                errors["limit"] = [$"limit must be an integer between 1 and {PaymentQueries.MaxPageSize}."];
            }
        }

        PaymentStatus? filter = null;
        if (status is not null)
        {
            filter = Enum.GetValues<PaymentStatus>().Cast<PaymentStatus?>().FirstOrDefault(s => PaymentEventData.StatusName(s!.Value) == status);
            if (filter is null)
            {
                errors["status"] = ["status must be one of: " + string.Join(", ", Enum.GetValues<PaymentStatus>().Select(PaymentEventData.StatusName))];
            }
        }

        Guid? merchant = null;
        if (merchant_id is not null)
        {
            merchant = MerchantId.From(merchant_id)?.Value;
            if (merchant is null)
            {
                errors["merchant_id"] = ["merchant_id must look like mer_ followed by 32 hex digits."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The listing has invalid parameters");
        }

        var result = await payments.ListAsync(context.ToActor(), size, cursor, filter, customer_id, merchant, cancellationToken);
        if (!result.TryGet(out var listing))
        {
            return result.Error!.ToValidationProblem();
        }

        var items = listing.Items.Select(ToDto).ToList();
        return TypedResults.Ok(new PaymentList(items, items.Count, listing.NextCursor));
    }

    internal static async Task<Results<Ok<PaymentDto>, ProblemHttpResult>> GetAsync(PaymentId paymentId, HttpContext context, PaymentQueries payments,
        CancellationToken cancellationToken)
    {
        var result = await payments.GetAsync(context.ToActor(), paymentId, cancellationToken);
        return result.TryGet(out var payment) ? TypedResults.Ok(ToDto(payment)) : result.Error!.ToProblem(context, NoSuchPayment);
    }

    /// <summary>201 with the body; a replay carries Idempotent-Replayed instead of a Location (the same body both times).</summary>
    private static Created<T> Created<T>(HttpContext context, bool replayed, string? location, T body)
    {
        if (replayed)
        {
            context.Response.Headers[ReplayedHeader] = "true";
            return TypedResults.Created((string?)null, body);
        }

        return TypedResults.Created(location, body);
    }

    public static RefundDto ToDto(Refund r, Payment p)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(p);
        return new RefundDto(r.DisplayId, "refund", p.DisplayId, r.Amount, r.Currency, r.Reason, PaymentEventData.StatusName(p.Status), p.RefundedAmount, r.CreatedAt);
    }

    public static PaymentDto ToDto(Payment p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new PaymentDto(p.DisplayId, "payment", new MerchantId(p.MerchantId).ToString(), p.Amount, p.Currency, PaymentEventData.StatusName(p.Status), p.CustomerId,
            p.PaymentMethod, p.OrderId, p.DeviceId, p.IpAddress, p.Country, p.Metadata, p.FailureCode, p.FailureMessage, p.Retryable,
            new FraudDto(p.FraudScore, p.FraudFactors.Select(f => new FraudFactorDto(f.Rule, f.Weight, f.Detail)).ToList()),
            p.Processor, p.ProcessorReference, p.RefundedAmount, p.RefundableAmount, p.CreatedAt, p.UpdatedAt);
    }

    /// <summary>
    /// Reads the JSON body whole (it is at most the API's 64 KB limit) so it can be checked for card numbers before anything
    /// parses, logs or stores it. A body with a card number is refused without saying where, so the number is never echoed.
    /// </summary>
    private static async Task<(T? Body, ValidationProblem? Invalid, ProblemHttpResult? Problem)> ReadBodyAsync<T>(HttpContext context, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, null, TypedResults.Problem(title: "Unsupported media type", detail: "Send a JSON body with Content-Type: application/json.",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (CardNumberDetector.FieldWithCardNumber(bytes.Span) is { } cardField)
        {
            return (null, TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [cardField.Length == 0 ? "body" : cardField] = [CardNumberRules.Message] },
                title: "Card data is not accepted",
                detail: "A value in the request looks like a card number. Send a payment method token (for example pm_card_visa) in payment_method; "
                    + "card numbers are never accepted, stored or logged.",
                type: "https://portal.example/problems/card-data-refused"), null);
        }

        try
        {
            var body = bytes.Length == 0 ? null : JsonSerializer.Deserialize<T>(bytes.Span, options);
            return body is null
                ? (null, null, TypedResults.Problem(title: "Invalid request", detail: "The request body must be a JSON object.", statusCode: StatusCodes.Status400BadRequest))
                : (body, null, null);
        }
        catch (JsonException ex)
        {
            // The reader's path names the field ("$.amount") without echoing its value.
            var at = ex.Path is { Length: > 0 } path ? $" at '{path}'" : "";
            var field = ex.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "body";
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"The request body is not valid JSON for this endpoint{at}."] },
                title: "Invalid request"), null);
        }
    }

    /// <summary>The Idempotency-Key header's value (null without one); a validation problem when it is sent more than once.</summary>
    private static ValidationProblem? IdempotencyKey(HttpContext context, out string? key)
    {
        var values = context.Request.Headers[IdempotencyKeyHeader];
        key = values.Count == 1 ? values[0] : null;
        return values.Count > 1
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyKeyHeader] = ["Send one Idempotency-Key header."] })
            : null;
    }

    private const string NoSuchPayment = "No such payment";

    private static ProblemHttpResult NotFound() => TypedResults.Problem(title: NoSuchPayment, statusCode: StatusCodes.Status404NotFound);
}
