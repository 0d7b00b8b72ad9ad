using Portal.Auth;
using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>
/// The API's access failures on the record (PCI DSS 10.2.1.4), decided from the answer so that no endpoint can forget:
/// a presented API key or bearer token that was not accepted (401), a refusal (403), and an id the caller may not see
/// (404 on a route with an id: another merchant's record looks unknown, so absent and foreign ids are recorded alike).
/// Anyone can cause these at will, so each is capped per source (<see cref="AuditService.RecordThrottledAsync"/>).
/// The credential itself never reaches the log.
/// </summary>
internal static class AuditedAccessFailures
{
    public static IApplicationBuilder UseAuditedAccessFailures(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next(context);
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            return;
        }

        var status = context.Response.StatusCode;
        if (status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound))
        {
            return;
        }

        var entry = Describe(context, status);
        if (entry is null)
        {
            return;
        }

        var audit = context.RequestServices.GetRequiredService<AuditService>();
        var actor = context.ToActor();
        await audit.RecordThrottledAsync(actor, entry, actor.SourceIp, CancellationToken.None);
    });

    internal static AuditEntry? Describe(HttpContext context, int status)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.TrimEnd('/') ?? "(no route)";
        var operation = $"{context.Request.Method} {route}";
        switch (status)
        {
            case StatusCodes.Status401Unauthorized:
                // Only a presented credential that failed; a request with none is not an authentication attempt.
                if (ApiAuthentication.ReadBearer(context.Request) is not { Length: > 0 } presented)
                {
                    return null;
                }

                var kind = presented.StartsWith(Portal.Core.ApiKeys.ApiKeyService.SecretPrefix, StringComparison.Ordinal) ? "api_key" : "bearer_token";
                return new AuditEntry(AuditActions.AuthFailed, AuditOutcome.Failure, null, $"{kind} not accepted: {operation}");
            case StatusCodes.Status403Forbidden:
                return new AuditEntry(AuditActions.AccessDenied, AuditOutcome.Denied, TargetOf(context), operation);
            default:
                if (context.User.Identity?.IsAuthenticated != true || TargetOf(context) is not { } target)
                {
                    return null;
                }

                return new AuditEntry(AuditActions.NotFoundForeign, AuditOutcome.Denied, target, $"not found for this caller (absent or another merchant's): {operation}");
        }
    }

    /// <summary>The last id of the route (<c>/payments/{paymentId}/refunds</c>: the payment), scanned for card numbers and cut short.</summary>
    private static string? TargetOf(HttpContext context)
    {
        string? target = null;
        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (key.EndsWith("id", StringComparison.OrdinalIgnoreCase) && value is string s && s.Length > 0)
            {
                target = s;
            }
        }

        if (target is null)
        {
            return null;
        }

        if (CardNumberDetector.ContainsCardNumber(target))
        {
            return "[redacted: looked like a card number]";
        }

        return target.Length > 80 ? target[..80] : target;
    }
}
