using System.Security.Claims;
using Portal.Core;

namespace Portal.Auth;

public static class ActorExtensions
{
    /// <summary>The actor for a signed-in principal; the role is the first portal role it holds.</summary>
    public static Actor ToActor(this ClaimsPrincipal user, string? sourceIp)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return Actor.Anonymous with { SourceIp = sourceIp };
        }

        var role = PortalRoles.All.FirstOrDefault(user.IsInRole);
        Guid? merchantId = Guid.TryParse(user.FindFirstValue(PortalPolicies.MerchantIdClaim), out var m) ? m : null;
        return new Actor(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity.Name, role, merchantId, sourceIp);
    }

    public static Actor ToActor(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.ToActor(context.Connection.RemoteIpAddress?.ToString());
    }
}
