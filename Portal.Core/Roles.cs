namespace Portal.Core;

/// <summary>The portal's roles: one place for Core's rules, the policies and the screens (Portal.Auth.PortalRoles uses these).</summary>
public static class Roles
{
    public const string Merchant = "Merchant";
    public const string Admin = "Admin";

    /// <summary>Read-only staff (PCI DSS 7.2): reads everything, changes nothing.</summary>
    public const string Compliance = "Compliance";

    public static readonly IReadOnlyList<string> All = [Merchant, Admin, Compliance];

    public static bool IsStaff(string? role) => role is Admin or Compliance;
}
