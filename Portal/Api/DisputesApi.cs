using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Portal.Api.OpenApi;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Disputes;
using Portal.Core.Security;
using Portal.Web;

namespace Portal.Api;

/// <summary>
/// /api/v1/disputes (merchant API key): the merchant's disputes, newest first and cursor-paged; one dispute; its evidence
/// saved as a draft, submitted once, or the dispute accepted. Another merchant's dispute is 404. Bodies are checked for card
/// numbers before anything parses them. Also GET /disputes/{id}/files/{fileId} for the portal's own pages (UI cookie).
/// </summary>
internal static class DisputesApi
{
    private const string NoSuchDispute = "No such dispute";

    public static void MapDisputesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("disputes", "Disputes").RequireAuthorization(PortalPolicies.Merchant);
        group.MapGet("/", ListAsync).WithName("ListDisputes")
            .ProducesValidationProblem()
            .WithSummary("The merchant's disputes newest first, cursor-paged; status filters (needs_response, under_review, won, lost, accepted, expired).");
        group.MapGet("/{disputeId}", GetAsync).WithName("GetDispute")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One dispute with its evidence and deadline.");
        group.MapPost("/{disputeId}/evidence", SaveEvidenceAsync).WithName("SaveDisputeEvidence")
            .Accepts<EvidenceBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Save the written evidence as a draft (replaces the last draft). Send version to refuse a stale write with 409.");
        group.MapPost("/{disputeId}/submit", SubmitAsync).WithName("SubmitDisputeEvidence")
            .Accepts<DecisionBody>(isOptional: true, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .WithSummary("Submit the evidence to the processor, once: it is then locked. After the deadline 422, a second time 409; nothing is sent.");
        group.MapPost("/{disputeId}/accept", AcceptAsync).WithName("AcceptDispute")
            .Accepts<DecisionBody>(isOptional: true, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .WithSummary("Accept the dispute instead of answering it (it counts as lost).");

        app.MapGet("/disputes/{disputeId}/files/{fileId:guid}", OpenFileAsync)
            .RequireAuthorization(PortalPolicies.SignedIn)
            .AllowAnonymous() // authenticate the cookie, but answer 404 rather than a sign-in redirect to anyone who may not see it
            .WithMetadata(new FramableBySelf())
            .ExcludeFromDescription();
    }

    [ApiRequest]
    public sealed record EvidenceBody(
        string? ProductDescription, string? CustomerName, string? CustomerEmailAddress, string? BillingAddress, string? ServiceDate, string? ShippingCarrier,
        string? ShippingTrackingNumber, string? RefundPolicyDisclosure, string? CancellationRebuttal, string? Explanation, long? Version);

    [ApiRequest]
    public sealed record DecisionBody(long? Version);

    public sealed record EvidenceDto(
        string? ProductDescription, string? CustomerName, string? CustomerEmailAddress, string? BillingAddress, string? ServiceDate, string? ShippingCarrier,
        string? ShippingTrackingNumber, string? RefundPolicyDisclosure, string? CancellationRebuttal, string? Explanation);

    public sealed record EvidenceFileDto(string Id, string Type, string ContentType, long Length, string Sha256, DateTimeOffset Uploaded);

    public sealed record DisputeDto(
        string Id, string Object, string PaymentId, string MerchantId, long Amount, string Currency, string Reason, string Status, string EvidenceStatus,
        DateTimeOffset EvidenceDueBy, EvidenceDto Evidence, IReadOnlyList<EvidenceFileDto> Files, string Processor, string ProcessorDisputeId,
        DateTimeOffset? SubmittedAt, DateTimeOffset Created, DateTimeOffset Updated, long Version);

    public sealed record DisputeList(IReadOnlyList<DisputeDto> Data, int Count, string? NextCursor);

    internal static async Task<Results<Ok<DisputeList>, ValidationProblem>> ListAsync(HttpContext context, DisputeService disputes, string? limit, string? cursor,
        string? status, CancellationToken cancellationToken)
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
                errors["limit"] = [$"limit must be an integer between 1 and {DisputeService.MaxPageSize}."];
            }
        }

        DisputeStatus? filter = null;
        if (status is not null && (filter = DisputeNames.ParseStatus(status)) is null)
        {
            errors["status"] = ["status must be one of: " + string.Join(", ", Enum.GetValues<DisputeStatus>().Select(DisputeNames.Status))];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The listing has invalid parameters");
        }

        var result = await disputes.ListAsync(context.ToActor(), size, cursor, filter, null, cancellationToken);
        if (!result.TryGet(out var listing))
        {
            return result.Error!.ToValidationProblem();
        }

        var items = listing.Items.Select(ToDto).ToList();
        return TypedResults.Ok(new DisputeList(items, items.Count, listing.NextCursor));
    }

    internal static async Task<Results<Ok<DisputeDto>, ProblemHttpResult>> GetAsync(string disputeId, HttpContext context, DisputeService disputes,
        CancellationToken cancellationToken)
    {
        if (DisputeId.From(disputeId) is not { } id)
        {
            return NotFound();
        }

        var result = await disputes.GetAsync(context.ToActor(), id.Value, cancellationToken);
        return result.TryGet(out var dispute) ? TypedResults.Ok(ToDto(dispute)) : result.Error!.ToProblem(context, NoSuchDispute);
    }

    internal static async Task<Results<Ok<DisputeDto>, ValidationProblem, ProblemHttpResult>> SaveEvidenceAsync(string disputeId, HttpContext context,
        DisputeService disputes, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (DisputeId.From(disputeId) is not { } id)
        {
            return NotFound();
        }

        var (body, invalid, problem) = await ReadBodyAsync<EvidenceBody>(context, json.Value.SerializerOptions, cancellationToken);
        if (body is null)
        {
            return invalid is not null ? invalid : problem!;
        }

        var evidence = new DisputeEvidence(body.ProductDescription, body.CustomerName, body.CustomerEmailAddress, body.BillingAddress, body.ServiceDate,
            body.ShippingCarrier, body.ShippingTrackingNumber, body.RefundPolicyDisclosure, body.CancellationRebuttal, body.Explanation);
        return Answer(context, await disputes.SaveDraftAsync(context.ToActor(), id.Value, evidence, body.Version, cancellationToken));
    }

    internal static Task<Results<Ok<DisputeDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(string disputeId, HttpContext context, DisputeService disputes,
        IOptions<JsonOptions> json, CancellationToken cancellationToken) =>
        DecideAsync(disputeId, context, json, (actor, id, version) => disputes.SubmitAsync(actor, id, version, cancellationToken), cancellationToken);

    internal static Task<Results<Ok<DisputeDto>, ValidationProblem, ProblemHttpResult>> AcceptAsync(string disputeId, HttpContext context, DisputeService disputes,
        IOptions<JsonOptions> json, CancellationToken cancellationToken) =>
        DecideAsync(disputeId, context, json, (actor, id, version) => disputes.AcceptAsync(actor, id, version, cancellationToken), cancellationToken);

    internal static async Task<Results<FileStreamHttpResult, NotFound>> OpenFileAsync(string disputeId, Guid fileId, HttpContext context, DisputeService disputes,
        CancellationToken cancellationToken)
    {
        // AllowAnonymous switched the policy off, and with it the staff second factor: check that here.
        if (DisputeId.From(disputeId) is not { } id || !await StaffMfa.IsSatisfiedAsync(context)
            || await disputes.OpenFileAsync(context.ToActor(), id.Value, fileId, cancellationToken) is not { } opened)
        {
            return TypedResults.NotFound();
        }

        context.Response.ContentLength = opened.File.Length;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentDisposition = "inline";
        return TypedResults.Stream(opened.Content, opened.File.ContentType);
    }

    private static async Task<Results<Ok<DisputeDto>, ValidationProblem, ProblemHttpResult>> DecideAsync(string disputeId, HttpContext context, IOptions<JsonOptions> json,
        Func<Actor, Guid, long?, Task<Result<Dispute>>> decide, CancellationToken cancellationToken)
    {
        if (DisputeId.From(disputeId) is not { } id)
        {
            return NotFound();
        }

        long? version = null;
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            var (body, invalid, problem) = await ReadBodyAsync<DecisionBody>(context, json.Value.SerializerOptions, cancellationToken);
            if (body is null)
            {
                return invalid is not null ? invalid : problem!;
            }

            version = body.Version;
        }

        return Answer(context, await decide(context.ToActor(), id.Value, version));
    }

    private static Results<Ok<DisputeDto>, ValidationProblem, ProblemHttpResult> Answer(HttpContext context, Result<Dispute> result) =>
        result.TryGet(out var dispute) ? TypedResults.Ok(ToDto(dispute))
        : result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem()
        : result.Error.ToProblem(context, NoSuchDispute);

    public static DisputeDto ToDto(Dispute d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var e = d.Evidence;
        return new DisputeDto(d.DisplayId, "dispute", new PaymentId(d.PaymentId).ToString(), new MerchantId(d.MerchantId).ToString(), d.Amount.Minor, d.Amount.Currency,
            d.Reason, DisputeNames.Status(d.Status), DisputeNames.Evidence(d.EvidenceState), d.EvidenceDueBy,
            new EvidenceDto(e.ProductDescription, e.CustomerName, e.CustomerEmailAddress, e.BillingAddress, e.ServiceDate, e.ShippingCarrier, e.ShippingTrackingNumber,
                e.RefundPolicyDisclosure, e.CancellationRebuttal, e.Explanation),
            d.Files.Select(f => new EvidenceFileDto(f.Id.ToString("N"), DisputeNames.FileType(f.Type), f.ContentType, f.Length, f.Sha256, f.UploadedAt)).ToList(),
            d.Processor, d.ProcessorDisputeId, d.SubmittedAt, d.CreatedAt, d.UpdatedAt, d.Version);
    }

    /// <summary>
    /// Reads the JSON body whole (at most the API's 64 KB) so it is checked for card numbers before anything parses, logs or
    /// stores it; a card number is refused naming the field, never echoing the value.
    /// </summary>
    private static async Task<(T? Body, ValidationProblem? Invalid, ProblemHttpResult? Problem)> ReadBodyAsync<T>(HttpContext context, JsonSerializerOptions options,
        CancellationToken cancellationToken) where T : class
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
                detail: "A value in the request looks like a card number. Evidence must not contain card numbers; they are never accepted, stored or logged.",
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
            var at = ex.Path is { Length: > 0 } path ? $" at '{path}'" : "";
            var field = ex.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "body";
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"The request body is not valid JSON for this endpoint{at}."] },
                title: "Invalid request"), null);
        }
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(title: NoSuchDispute, statusCode: StatusCodes.Status404NotFound);
}
