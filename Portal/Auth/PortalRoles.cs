using Microsoft.AspNetCore.Authorization;

namespace Portal.Auth;

/// <summary>The role names of <see cref="Portal.Core.Roles"/>, where they are defined, under the name the web project has always used.</summary>
public static class PortalRoles
{
    public const string Merchant = Portal.Core.Roles.Merchant;
    public const string Admin = Portal.Core.Roles.Admin;
    public const string Compliance = Portal.Core.Roles.Compliance;

    public static IReadOnlyList<string> All => Portal.Core.Roles.All;

    public static bool IsStaff(string role) => Portal.Core.Roles.IsStaff(role);
}

/// <summary>Policy names: one place, used by pages (<c>[Authorize(Policy = ...)]</c>), endpoints and the nav drawer alike.</summary>
public static class PortalPolicies
{
    public const string Merchant = "merchant";
    public const string Admin = "admin";
    public const string Compliance = "compliance";
    public const string Staff = "staff";

    /// <summary>Writes a merchant makes for itself and an Admin for any merchant. Compliance is read-only (PCI DSS 7.2).</summary>
    public const string MerchantOrAdmin = "merchant-or-admin";

    /// <summary>Any signed-in portal user (UI cookie); staff only with their second factor. Services check what each may reach.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>Claim type for the merchant a user or API key belongs to.</summary>
    public const string MerchantIdClaim = "merchant_id";

    public static IServiceCollection AddPortalAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, StaffMfaHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Merchant, p => p.RequireRole(PortalRoles.Merchant).RequireClaim(MerchantIdClaim))
            .AddPolicy(Admin, p => p.RequireRole(PortalRoles.Admin).AddRequirements(new StaffMfaRequirement()))
            .AddPolicy(Compliance, p => p.RequireRole(PortalRoles.Compliance).AddRequirements(new StaffMfaRequirement()))
            .AddPolicy(Staff, p => p.RequireRole(PortalRoles.Admin, PortalRoles.Compliance).AddRequirements(new StaffMfaRequirement()))
            .AddPolicy(MerchantOrAdmin, p => p.RequireRole(PortalRoles.Merchant, PortalRoles.Admin).AddRequirements(new StaffMfaRequirement()))
            .AddPolicy(SignedIn, p => p.AddAuthenticationSchemes(Microsoft.AspNetCore.Identity.IdentityConstants.ApplicationScheme)
                .RequireRole(PortalRoles.All).AddRequirements(new StaffMfaRequirement()));
        return services;
    }
}

/// <summary>Staff must have signed in with a second factor (the <c>amr=mfa</c> claim) unless MFA is switched off (Development).</summary>
public sealed class StaffMfaRequirement : IAuthorizationRequirement;

internal sealed class StaffMfaHandler(Microsoft.Extensions.Options.IOptions<PortalAuthOptions> options) : AuthorizationHandler<StaffMfaRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, StaffMfaRequirement requirement)
    {
        // Only staff need the second factor; a merchant meets this requirement (its policies check the role separately).
        var staff = context.User.IsInRole(PortalRoles.Admin) || context.User.IsInRole(PortalRoles.Compliance);
        if (!options.Value.RequireStaffMfa || !staff || context.User.HasClaim("amr", "mfa"))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
