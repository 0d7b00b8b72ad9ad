using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;

namespace Portal.Core.Webhooks;

/// <summary>A delivery with its attempts (oldest first) and its endpoint (null once deleted).</summary>
public sealed record WebhookDeliveryDetail(WebhookDelivery Delivery, IReadOnlyList<WebhookAttempt> Attempts, WebhookEndpoint? Endpoint);

/// <summary>Filters of the delivery log; <see cref="Cursor"/> is the previous page's next cursor.</summary>
public sealed record WebhookDeliveryFilter(Guid? EventId = null, Guid? EndpointId = null, WebhookDeliveryStatus? Status = null, int Limit = 20, string? Cursor = null);

/// <summary>One page of the delivery log, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record WebhookDeliveryListing(IReadOnlyList<WebhookDelivery> Items, string? NextCursor);

/// <summary>
/// The merchant's webhook use cases: endpoints (secret shown once, rolled on request, stored encrypted), the delivery log
/// and replays. A merchant reaches only its own endpoints and deliveries; any other id looks unknown. Changes are audited.
/// </summary>
public sealed class WebhookService(
    IWebhookStore store,
    WebhookSecretProtector secrets,
    WebhookEndpointRequestValidator validator,
    WebhookUrlPolicy urls,
    WebhookSender sender,
    AuditService audit,
    WebhookCursor cursors,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock)
{
    public const int MaxPageSize = 100;
    private const string NoEndpoint = "No such webhook endpoint.";
    private const string NoDelivery = "No such webhook delivery.";

    public async Task<Result<WebhookEndpointWithSecret>> CreateEndpointAsync(Actor actor, WebhookEndpointRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (!actor.IsMerchant)
        {
            return Error.NotFound("Only a merchant can add webhook endpoints.");
        }

        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
        {
            var errors = validation.Errors
                .GroupBy(e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
            return Error.Validation(InvalidRequest, errors);
        }

        if (await urls.CheckAsync(request.Url, cancellationToken) is { } urlProblem)
        {
            return Invalid("url", urlProblem);
        }

        var merchantId = actor.MerchantId!.Value;
        var existing = await store.ListEndpointsAsync(merchantId, cancellationToken);
        if (existing.Count >= options.CurrentValue.MaxEndpointsPerMerchant)
        {
            return Error.Conflict($"A merchant can have at most {options.CurrentValue.MaxEndpointsPerMerchant} webhook endpoints; delete one first.");
        }

        var events = request.EnabledEvents!.Contains(WebhookEndpoint.AllEvents) ? [WebhookEndpoint.AllEvents] : request.EnabledEvents!.Distinct(StringComparer.Ordinal).ToList();
        var now = clock.GetUtcNow();
        var description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        var endpoint = new WebhookEndpoint(Guid.CreateVersion7(now), merchantId, request.Url!.Trim(), description, events, request.Enabled, now, now);
        var secret = WebhookSigner.NewSecret();
        await store.AddEndpointAsync(endpoint, secrets.Seal(endpoint.Id, secret), cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(WebhookAuditActions.EndpointCreated, AuditOutcome.Success, endpoint.DisplayId,
            $"host={new Uri(endpoint.Url).Host} events={string.Join(' ', events)}"), cancellationToken);
        return Result<WebhookEndpointWithSecret>.Ok(new WebhookEndpointWithSecret(endpoint, secret));
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.IsMerchant ? await store.ListEndpointsAsync(actor.MerchantId!.Value, cancellationToken) : [];
    }

    public async Task<Result<WebhookEndpoint>> GetEndpointAsync(Actor actor, Guid endpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.IsMerchant && await store.GetEndpointAsync(actor.MerchantId!.Value, endpointId, cancellationToken) is { } endpoint
            ? Result<WebhookEndpoint>.Ok(endpoint)
            : Error.NotFound(NoEndpoint);
    }

    public async Task<Result<WebhookEndpoint>> SetEnabledAsync(Actor actor, Guid endpointId, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant || await store.GetEndpointAsync(actor.MerchantId!.Value, endpointId, cancellationToken) is not { } endpoint
            || !await store.UpdateEndpointAsync(endpoint.MerchantId, endpointId, enabled, endpoint.Description, clock.GetUtcNow(), cancellationToken))
        {
            return Error.NotFound(NoEndpoint);
        }

        await audit.AppendAsync(actor, new AuditEntry(WebhookAuditActions.EndpointUpdated, AuditOutcome.Success, endpoint.DisplayId, enabled ? "enabled" : "disabled"), cancellationToken);
        return Result<WebhookEndpoint>.Ok(endpoint with { Enabled = enabled });
    }

    public async Task<Result<bool>> DeleteEndpointAsync(Actor actor, Guid endpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var deleted = actor.IsMerchant && await store.DeleteEndpointAsync(actor.MerchantId!.Value, endpointId, clock.GetUtcNow(), cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(WebhookAuditActions.EndpointDeleted, deleted ? AuditOutcome.Success : AuditOutcome.Failure, new WebhookEndpointId(endpointId).ToString()), cancellationToken);
        return deleted ? Result<bool>.Ok(true) : Error.NotFound(NoEndpoint);
    }

    /// <summary>A new secret, effective at once (the old one stops signing); returned this once.</summary>
    public async Task<Result<WebhookEndpointWithSecret>> RollSecretAsync(Actor actor, Guid endpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant || await store.GetEndpointAsync(actor.MerchantId!.Value, endpointId, cancellationToken) is not { } endpoint)
        {
            return Error.NotFound(NoEndpoint);
        }

        var secret = WebhookSigner.NewSecret();
        if (!await store.SetSecretAsync(endpoint.MerchantId, endpoint.Id, secrets.Seal(endpoint.Id, secret), clock.GetUtcNow(), cancellationToken))
        {
            return Error.NotFound(NoEndpoint);
        }

        await audit.AppendAsync(actor, new AuditEntry(WebhookAuditActions.SecretRolled, AuditOutcome.Success, endpoint.DisplayId), cancellationToken);
        return Result<WebhookEndpointWithSecret>.Ok(new WebhookEndpointWithSecret(endpoint, secret));
    }

    public async Task<Result<WebhookDeliveryListing>> ListDeliveriesAsync(Actor actor, WebhookDeliveryFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        if (!actor.IsMerchant)
        {
            return Error.NotFound("Only a merchant has webhook deliveries.");
        }

        if (filter.Limit is < 1 or > MaxPageSize)
        {
            return Invalid("limit", $"limit must be an integer between 1 and {MaxPageSize}.");
        }

        var merchantId = actor.MerchantId!.Value;
        Guid? before = null;
        if (filter.Cursor is not null)
        {
            if (cursors.Decode(merchantId, filter.Cursor) is not { } position)
            {
                return Invalid("cursor", "cursor is not one this API issued to you; start again without it.");
            }

            before = position;
        }

        var page = await store.ListDeliveriesAsync(new WebhookDeliveryQuery(merchantId, filter.EventId, filter.EndpointId, filter.Status, filter.Limit, before), cancellationToken);
        return Result<WebhookDeliveryListing>.Ok(new WebhookDeliveryListing(page.Items, page.Next is { } next ? cursors.Encode(merchantId, next) : null));
    }

    /// <summary>
    /// The deliveries of one payment's events, for the payment detail: the merchant's own, or any merchant's for staff
    /// (who see them beside the payment they are already looking at; that view is audited by the payment service).
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesOfEventsAsync(Actor actor, Guid merchantId, IReadOnlyCollection<Guid> eventIds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(eventIds);
        var allowed = (actor.IsMerchant && actor.MerchantId == merchantId) || actor.Role is Roles.Admin or Roles.Compliance;
        if (!allowed)
        {
            return [];
        }

        var deliveries = new List<WebhookDelivery>();
        foreach (var eventId in eventIds)
        {
            deliveries.AddRange((await store.ListDeliveriesAsync(new WebhookDeliveryQuery(merchantId, EventId: eventId, Limit: MaxPageSize), cancellationToken)).Items);
        }

        return deliveries;
    }

    public async Task<Result<WebhookDeliveryDetail>> GetDeliveryAsync(Actor actor, Guid deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant || await store.GetDeliveryAsync(actor.MerchantId!.Value, deliveryId, cancellationToken) is not { } delivery)
        {
            return Error.NotFound(NoDelivery);
        }

        return Result<WebhookDeliveryDetail>.Ok(await DetailAsync(delivery, cancellationToken));
    }

    /// <summary>Sends the delivery again now, whatever its status; recorded as a manual attempt. The automatic schedule is left alone.</summary>
    public async Task<Result<WebhookDeliveryDetail>> ReplayAsync(Actor actor, Guid deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant || await store.GetDeliveryAsync(actor.MerchantId!.Value, deliveryId, cancellationToken) is not { } delivery)
        {
            return Error.NotFound(NoDelivery);
        }

        var endpoint = await store.GetEndpointAsync(delivery.MerchantId, delivery.EndpointId, cancellationToken);
        if (endpoint is null)
        {
            return Error.Conflict("The delivery's endpoint was deleted.");
        }

        if (!endpoint.Enabled)
        {
            return Error.Conflict("The delivery's endpoint is disabled; enable it first.");
        }

        var attempt = await sender.SendAsync(delivery, manual: true, cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(WebhookAuditActions.DeliveryReplayed, attempt is null ? AuditOutcome.Failure : AuditOutcome.Success, delivery.DisplayId,
            attempt is null ? "not sent" : $"status={attempt.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"), cancellationToken);
        var fresh = await store.GetDeliveryAsync(delivery.MerchantId, delivery.Id, cancellationToken) ?? delivery;
        return Result<WebhookDeliveryDetail>.Ok(await DetailAsync(fresh, cancellationToken));
    }

    private async Task<WebhookDeliveryDetail> DetailAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => new(
        delivery,
        await store.AttemptsAsync(delivery.Id, cancellationToken),
        await store.GetEndpointAsync(delivery.MerchantId, delivery.EndpointId, cancellationToken));

    private const string InvalidRequest = "The request has invalid fields";

    private static Error Invalid(string field, string message) => Error.Validation(InvalidRequest, field, message);
}
