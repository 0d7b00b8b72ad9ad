using System.ComponentModel.DataAnnotations;

namespace Portal.Auth;

/// <summary>Sign-in settings, section <c>Auth</c>.</summary>
public sealed class PortalAuthOptions
{
    public const string Section = "Auth";

    /// <summary>Admin and Compliance must pass TOTP. appsettings.Development.json turns it off for local work only.</summary>
    public bool RequireStaffMfa { get; set; } = true;

    [Range(1, 20)]
    public int MaxFailedAttempts { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

    [Range(5, 1440)]
    public int BearerTokenMinutes { get; set; } = 60;

    /// <summary>Sign-in, sign-up, password reset and token requests allowed per client IP per minute.</summary>
    [Range(1, 10_000)]
    public int AuthRequestsPerMinute { get; set; } = 20;
}
