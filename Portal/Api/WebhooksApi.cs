using Microsoft.AspNetCore.Http.HttpResults;
using System.ComponentModel.DataAnnotations;
using Portal.Api.OpenApi;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Security;
using Portal.Core.Webhooks;

namespace Portal.Api;

/// <summary>
/// /api/v1/webhook_endpoints and /api/v1/webhook_deliveries: a merchant's outgoing webhooks, with its API key.
/// Another merchant's endpoint or delivery is a 404, like an unknown one.
/// </summary>
internal static class WebhooksApi
{
    public static void MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var endpoints = app.MapApiGroup("webhook_endpoints", "Webhooks").RequireAuthorization(PortalPolicies.Merchant);
        endpoints.MapPost("/", CreateEndpointAsync).WithName("CreateWebhookEndpoint").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Add an endpoint (https URL, enabled_events from the event types or [\"*\"]). The signing secret is in this answer only.");
        endpoints.MapGet("/", ListEndpointsAsync).WithName("ListWebhookEndpoints").WithSummary("Your webhook endpoints, newest first (never their secrets).");
        endpoints.MapGet("/{endpointId:webhook_endpoint_id}", GetEndpointAsync).WithName("GetWebhookEndpoint").WithSummary("One of your webhook endpoints.");
        endpoints.MapPost("/{endpointId:webhook_endpoint_id}", UpdateEndpointAsync).WithName("UpdateWebhookEndpoint").WithSummary("Enable or disable an endpoint.");
        endpoints.MapDelete("/{endpointId:webhook_endpoint_id}", DeleteEndpointAsync).WithName("DeleteWebhookEndpoint")
            .WithSummary("Delete an endpoint: its pending deliveries fail, its delivery log stays.");
        endpoints.MapPost("/{endpointId:webhook_endpoint_id}/roll_secret", RollSecretAsync).WithName("RollWebhookSecret")
            .WithSummary("Replace the signing secret at once; the new secret is in this answer only.");

        var deliveries = app.MapApiGroup("webhook_deliveries", "Webhooks").RequireAuthorization(PortalPolicies.Merchant);
        deliveries.MapGet("/", ListDeliveriesAsync).WithName("ListWebhookDeliveries")
            .WithSummary("Your deliveries newest first, cursor-paged, filterable by event_id, endpoint_id and status (pending, succeeded, failed).");
        deliveries.MapGet("/{deliveryId:webhook_delivery_id}", GetDeliveryAsync).WithName("GetWebhookDelivery").WithSummary("One delivery with every attempt.");
        deliveries.MapPost("/{deliveryId:webhook_delivery_id}/replay", ReplayAsync).WithName("ReplayWebhookDelivery").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Send the delivery again now, recorded as a new (manual) attempt; the answer has the attempt.");
    }

    [ApiRequest]
    public sealed record CreateEndpointBody([property: Required] string? Url, [property: Required] IReadOnlyList<string>? EnabledEvents, string? Description, bool? Enabled);

    [ApiRequest]
    public sealed record UpdateEndpointBody([property: Required] bool? Enabled);

    public sealed record EndpointDto(string Id, string Url, string? Description, IReadOnlyList<string> EnabledEvents, bool Enabled, DateTimeOffset Created, string? Secret = null);

    public sealed record EndpointListDto(IReadOnlyList<EndpointDto> Data);

    public sealed record SecretDto(string Id, string Secret);

    public sealed record AttemptDto(int Number, DateTimeOffset AttemptedAt, int? StatusCode, string? Error, long DurationMs, string? ResponseBody, bool Manual);

    public sealed record DeliveryDto(
        string Id, string EventId, string EventType, string EndpointId, string? EndpointUrl, string Status, int Attempts, DateTimeOffset Created,
        DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? NextRetryAt, IReadOnlyList<AttemptDto>? AttemptLog = null);

    public sealed record DeliveryListDto(IReadOnlyList<DeliveryDto> Data, string? NextCursor);

    internal static async Task<Results<Created<EndpointDto>, ValidationProblem, ProblemHttpResult>> CreateEndpointAsync(
        CreateEndpointBody body, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var request = new WebhookEndpointRequest { Url = body.Url, EnabledEvents = body.EnabledEvents, Description = body.Description, Enabled = body.Enabled ?? true };
        var result = await webhooks.CreateEndpointAsync(context.ToActor(), request, cancellationToken);
        if (!result.TryGet(out var created))
        {
            return result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context, notFoundDetail: true);
        }

        return TypedResults.Created($"/api/v1/webhook_endpoints/{created.Endpoint.DisplayId}", Dto(created.Endpoint) with { Secret = created.Secret });
    }

    internal static async Task<Ok<EndpointListDto>> ListEndpointsAsync(HttpContext context, WebhookService webhooks, CancellationToken cancellationToken) =>
        TypedResults.Ok(new EndpointListDto((await webhooks.ListEndpointsAsync(context.ToActor(), cancellationToken)).Select(e => Dto(e)).ToList()));

    internal static async Task<Results<Ok<EndpointDto>, ProblemHttpResult>> GetEndpointAsync(WebhookEndpointId endpointId, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var result = await webhooks.GetEndpointAsync(context.ToActor(), endpointId.Value, cancellationToken);
        return result.TryGet(out var value) ? TypedResults.Ok(Dto(value)) : NoEndpoint();
    }

    internal static async Task<Results<Ok<EndpointDto>, ValidationProblem, ProblemHttpResult>> UpdateEndpointAsync(
        WebhookEndpointId endpointId, UpdateEndpointBody body, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        if (body.Enabled is not { } enabled)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["enabled"] = ["enabled must be true or false."] }, title: "The request has invalid fields");
        }

        var result = await webhooks.SetEnabledAsync(context.ToActor(), endpointId.Value, enabled, cancellationToken);
        return result.TryGet(out var value) ? TypedResults.Ok(Dto(value)) : NoEndpoint();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteEndpointAsync(WebhookEndpointId endpointId, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var result = await webhooks.DeleteEndpointAsync(context.ToActor(), endpointId.Value, cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : NoEndpoint();
    }

    internal static async Task<Results<Ok<SecretDto>, ProblemHttpResult>> RollSecretAsync(WebhookEndpointId endpointId, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var result = await webhooks.RollSecretAsync(context.ToActor(), endpointId.Value, cancellationToken);
        return result.TryGet(out var rolled) ? TypedResults.Ok(new SecretDto(rolled.Endpoint.DisplayId, rolled.Secret)) : NoEndpoint();
    }

    internal static async Task<Results<Ok<DeliveryListDto>, ValidationProblem, ProblemHttpResult>> ListDeliveriesAsync(
        HttpContext context, WebhookService webhooks, string? event_id, string? endpoint_id, string? status, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Guid? eventId = null, endpoint = null;
        WebhookDeliveryStatus? statusFilter = null;
        var size = 20;
        if (event_id is not null && (eventId = PaymentEventId.From(event_id)?.Value) is null)
        {
            errors["event_id"] = ["event_id must be an event id (evt_...)."];
        }

        if (endpoint_id is not null && (endpoint = WebhookEndpointId.From(endpoint_id)?.Value) is null)
        {
            errors["endpoint_id"] = ["endpoint_id must be a webhook endpoint id (we_...)."];
        }

        if (status is not null && (statusFilter = ParseStatus(status)) is null)
        {
            errors["status"] = ["status must be one of: pending, succeeded, failed."];
        }

        if (limit is not null && (!AsciiDigits.TryParse(limit, out size) || size is < 1 or > WebhookService.MaxPageSize))
        {
            errors["limit"] = [$"limit must be an integer between 1 and {WebhookService.MaxPageSize}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The request has invalid fields");
        }

        var result = await webhooks.ListDeliveriesAsync(context.ToActor(), new WebhookDeliveryFilter(eventId, endpoint, statusFilter, size, cursor), cancellationToken);
        if (!result.TryGet(out var listing))
        {
            return result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context, notFoundDetail: true);
        }

        return TypedResults.Ok(new DeliveryListDto(listing.Items.Select(d => Dto(d, null, null)).ToList(), listing.NextCursor));
    }

    internal static async Task<Results<Ok<DeliveryDto>, ProblemHttpResult>> GetDeliveryAsync(WebhookDeliveryId deliveryId, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var result = await webhooks.GetDeliveryAsync(context.ToActor(), deliveryId.Value, cancellationToken);
        return result.TryGet(out var value) ? TypedResults.Ok(Dto(value)) : NoDelivery();
    }

    internal static async Task<Results<Ok<DeliveryDto>, ProblemHttpResult>> ReplayAsync(WebhookDeliveryId deliveryId, HttpContext context, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var result = await webhooks.ReplayAsync(context.ToActor(), deliveryId.Value, cancellationToken);
        return result.TryGet(out var replayed) ? TypedResults.Ok(Dto(replayed))
            : result.Error!.Kind == ErrorKind.Conflict ? (result.Error with { Title = "Cannot replay" }).ToProblem(context)
            : NoDelivery();
    }

    public static string Status(WebhookDeliveryStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static WebhookDeliveryStatus? ParseStatus(string value) =>
        Enum.GetValues<WebhookDeliveryStatus>().Cast<WebhookDeliveryStatus?>().FirstOrDefault(s => Status(s!.Value) == value);

    private static EndpointDto Dto(WebhookEndpoint e) => new(e.DisplayId, e.Url, e.Description, e.EnabledEvents, e.Enabled, e.CreatedAt);

    private static DeliveryDto Dto(WebhookDeliveryDetail detail) => Dto(detail.Delivery, detail.Endpoint, detail.Attempts);

    private static DeliveryDto Dto(WebhookDelivery d, WebhookEndpoint? endpoint, IReadOnlyList<WebhookAttempt>? attempts) => new(
        d.DisplayId, d.EventDisplayId, d.EventType, new WebhookEndpointId(d.EndpointId).ToString(), endpoint?.Url, Status(d.Status), d.AttemptCount, d.CreatedAt,
        d.LastAttemptAt, d.LastStatusCode, d.LastError, d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null,
        attempts?.Select(a => new AttemptDto(a.Number, a.AttemptedAt, a.StatusCode, a.Error, a.DurationMs, a.ResponseSnippet, a.Manual)).ToList());

    private static ProblemHttpResult NoEndpoint() => TypedResults.Problem(title: "No such webhook endpoint", statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult NoDelivery() => TypedResults.Problem(title: "No such webhook delivery", statusCode: StatusCodes.Status404NotFound);
}
