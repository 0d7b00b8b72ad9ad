using Microsoft.AspNetCore.Identity;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Components.Account;

/// <summary>Audit records for the account pages, which run before the request has a signed-in principal.</summary>
internal sealed class SignInAudit(AuditService audit, UserManager<PortalUser> users)
{
    public async Task<Actor> ActorForAsync(PortalUser user, HttpContext context)
    {
        var roles = await users.GetRolesAsync(user);
        var claims = await users.GetClaimsAsync(user);
        Guid? merchantId = Guid.TryParse(claims.FirstOrDefault(c => c.Type == PortalPolicies.MerchantIdClaim)?.Value, out var m) ? m : null;
        return new Actor(user.Id, user.Email, PortalRoles.All.FirstOrDefault(roles.Contains), merchantId, context.Connection.RemoteIpAddress?.ToString());
    }

    public async Task RecordAsync(PortalUser? user, string attemptedEmail, HttpContext context, string action, AuditOutcome outcome, string? detail = null)
    {
        // An unknown email is recorded masked: what people type in a sign-in box is sometimes a password.
        var actor = user is null
            ? Actor.Anonymous with { Name = Masking.Email(attemptedEmail), SourceIp = context.Connection.RemoteIpAddress?.ToString() }
            : await ActorForAsync(user, context);
        await audit.AppendAsync(actor, new AuditEntry(action, outcome, user is null ? null : $"user:{user.Id}", detail));
    }
}
