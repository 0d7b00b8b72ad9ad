using Microsoft.AspNetCore.Authorization;

namespace Portal.Auth;

/// <summary>
/// The staff second-factor rule for endpoints that switch their policy off with <c>AllowAnonymous</c> (to answer 404
/// rather than a challenge to anyone who may not see a thing): they must still refuse a staff principal without
/// <c>amr=mfa</c>. Evaluates the same <see cref="StaffMfaRequirement"/> the policies use.
/// </summary>
internal static class StaffMfa
{
    private static readonly StaffMfaRequirement Requirement = new();

    public static async Task<bool> IsSatisfiedAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(context.User, null, Requirement)).Succeeded;
    }
}
