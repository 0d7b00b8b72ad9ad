using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Auth;

namespace Portal.Web;

/// <summary>
/// Named rate-limit policies, attached to the endpoints they protect (<c>RequireRateLimiting</c>, <c>[EnableRateLimiting]</c>),
/// never matched on path strings: routing has already decided which endpoint <c>/Account/Login/</c> or
/// <c>/api/v1/auth/token/</c> reaches, so every spelling of a path meets that endpoint's limit.
/// </summary>
internal static class PortalRateLimits
{
    /// <summary>
    /// POSTs that guess or create credentials (sign-in, sign-up, MFA, password reset, staff tokens):
    /// <see cref="PortalAuthOptions.AuthRequestsPerMinute"/> per client address, all such endpoints together. Showing a
    /// form (GET) is not counted. The account pages get it from their folder's <c>_Imports.razor</c>, so a new page is covered.
    /// </summary>
    public const string SignIn = "sign-in";

    public static void AddPortalPolicies(this RateLimiterOptions options) =>
        options.AddPolicy(SignIn, context =>
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                return RateLimitPartition.GetNoLimiter("");
            }

            var perMinute = context.RequestServices.GetRequiredService<IOptions<PortalAuthOptions>>().Value.AuthRequestsPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        });
}
