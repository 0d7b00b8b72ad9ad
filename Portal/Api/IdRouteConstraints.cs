using Portal.Core;

namespace Portal.Api;

/// <summary>
/// Path ids bind as typed ids (<c>{paymentId:payment_id}</c> with a <see cref="PaymentId"/> parameter). A segment that is not
/// the id's one wire form does not match the route at all, so it is a 404 like any unknown resource, never a 400 that
/// would tell a caller which strings look like ids, and a handler only ever sees a well-formed id.
/// </summary>
internal sealed class IdRouteConstraint<TId> : IRouteConstraint, IParameterPolicy
    where TId : ISpanParsable<TId>
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.TryGetValue(routeKey, out var value) && value is string text && TId.TryParse(text, null, out _);
    }
}

internal static class IdRouteConstraints
{
    /// <summary>The constraint names used in route templates, one per typed id that appears in a path.</summary>
    public static IServiceCollection AddIdRouteConstraints(this IServiceCollection services) =>
        services.Configure<RouteOptions>(o =>
        {
            o.SetParameterPolicy<IdRouteConstraint<MerchantId>>("merchant_id");
            o.SetParameterPolicy<IdRouteConstraint<PaymentId>>("payment_id");
            o.SetParameterPolicy<IdRouteConstraint<WebhookEndpointId>>("webhook_endpoint_id");
            o.SetParameterPolicy<IdRouteConstraint<WebhookDeliveryId>>("webhook_delivery_id");
        });
}
