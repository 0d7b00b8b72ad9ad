using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Portal.Core;
using Portal.Core.Audit;

namespace Portal.Auth;

/// <summary>Account use cases shared by the sign-up page, the demo seeder and the users API.</summary>
public sealed class PortalAccounts(UserManager<PortalUser> users, RoleManager<IdentityRole> roles, AuditService audit, TimeProvider clock)
{
    /// <summary>Creates a user with a role; merchants get a fresh merchant id claim.</summary>
    public async Task<(PortalUser? User, IEnumerable<IdentityError> Errors)> CreateAsync(string email, string password, string role, bool emailConfirmed)
    {
        await EnsureRolesAsync();
        var user = new PortalUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = emailConfirmed };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return (null, created.Errors);
        }

        await users.AddToRoleAsync(user, role);
        if (role == PortalRoles.Merchant)
        {
            await users.AddClaimAsync(user, new Claim(PortalPolicies.MerchantIdClaim, Guid.CreateVersion7(clock.GetUtcNow()).ToString()));
        }

        return (user, []);
    }

    /// <summary>
    /// Replaces a user's portal roles. Separation of duties (PCI DSS 7.2): a role is granted or withdrawn by someone else,
    /// never by its holder; the refused attempt is audited.
    /// </summary>
    public async Task<RoleChange> SetRolesAsync(Actor actor, string userId, IReadOnlyCollection<string> newRoles)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.Equals(userId.Trim(), actor.UserId, StringComparison.OrdinalIgnoreCase))
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesChanged, AuditOutcome.Denied, $"user:{userId}", "own roles"));
            return RoleChange.OwnRoles;
        }

        var unknown = newRoles.Where(r => !PortalRoles.All.Contains(r)).ToList();
        if (unknown.Count > 0)
        {
            // Echo at most a short prefix of what was sent: error messages must not mirror arbitrary input back.
            var shown = string.Join(", ", unknown.Take(3).Select(r => r.Length > 20 ? r[..20] + "…" : r));
            return RoleChange.Invalid($"Unknown role(s): {shown}. Use {string.Join(", ", PortalRoles.All)}.");
        }

        if (newRoles.Count == 0)
        {
            return RoleChange.Invalid("A user needs at least one role.");
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return RoleChange.NotFound;
        }

        await EnsureRolesAsync();
        var current = (await users.GetRolesAsync(user)).ToList();
        var remove = current.Except(newRoles).ToList();
        var add = newRoles.Except(current).ToList();
        if (remove.Count > 0)
        {
            await users.RemoveFromRolesAsync(user, remove);
        }

        if (add.Count > 0)
        {
            await users.AddToRolesAsync(user, add);
        }

        // A role change must reach open sessions: a new security stamp ends them at the next revalidation.
        await users.UpdateSecurityStampAsync(user);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesChanged, AuditOutcome.Success, $"user:{user.Id}",
            $"from=[{string.Join(",", current.Order())}] to=[{string.Join(",", newRoles.Order())}]"));
        return RoleChange.Done([.. newRoles.Order()]);
    }

    public async Task EnsureRolesAsync()
    {
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
    }
}

public sealed record RoleChange(bool Succeeded, bool Found, string? Error, IReadOnlyList<string> Roles, bool Own = false)
{
    public static readonly RoleChange NotFound = new(false, false, null, []);

    public static readonly RoleChange OwnRoles = new(false, true, "Nobody changes their own roles. Ask another admin.", [], Own: true);

    public static RoleChange Invalid(string error) => new(false, true, error, []);

    public static RoleChange Done(IReadOnlyList<string> roles) => new(true, true, null, roles);
}
