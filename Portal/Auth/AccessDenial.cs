using System.Security.Claims;

namespace Portal.Auth;

/// <summary>
/// Why a signed-in user was refused a page, in their words: a staff member who signed in without a second factor is told
/// that (and where to enrol); anyone else is told the page belongs to another role. Never both: the wrong reason sends
/// people to set up two-factor sign-in they already have.
/// </summary>
public static class AccessDenial
{
    public enum Reason
    {
        /// <summary>The user's role does not include the page.</summary>
        Role,

        /// <summary>A staff member signed in without the second factor that staff pages need.</summary>
        SecondFactor,
    }

    public static Reason For(ClaimsPrincipal user, bool staffMfaRequired)
    {
        ArgumentNullException.ThrowIfNull(user);
        var staff = user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Compliance);
        return staffMfaRequired && staff && !user.HasClaim("amr", "mfa") ? Reason.SecondFactor : Reason.Role;
    }

    /// <summary>The user's role as people read it ("Compliance"), or "your account" when it has none.</summary>
    public static string RoleName(ClaimsPrincipal user) =>
        PortalRoles.All.FirstOrDefault(user.IsInRole) is { } role ? role : "your account";
}
