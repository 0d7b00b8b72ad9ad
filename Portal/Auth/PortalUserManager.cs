using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Auth;

/// <summary>
/// Identity's user manager, with one promise added: every change that must end a user's sessions and tokens (a role
/// added or removed, a lockout, a disable) gives the user a new security stamp, whoever makes the change. Stock Identity
/// renews the stamp on a password reset or change, but not on a role change or lockout. Cookies and staff bearer tokens
/// carry the stamp, so both stop working (<see cref="StaffCredentialCheck"/>, the cookie's security stamp validator).
/// </summary>
internal sealed class PortalUserManager(
    IUserStore<PortalUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<PortalUser> passwordHasher,
    IEnumerable<IUserValidator<PortalUser>> userValidators,
    IEnumerable<IPasswordValidator<PortalUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<PortalUser>> logger,
    TimeProvider clock,
    StaffCredentialCheck credentials)
    : UserManager<PortalUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override async Task<IdentityResult> AddToRoleAsync(PortalUser user, string role) => await RenewStampAfterAsync(user, await base.AddToRoleAsync(user, role));

    public override async Task<IdentityResult> AddToRolesAsync(PortalUser user, IEnumerable<string> roles) => await RenewStampAfterAsync(user, await base.AddToRolesAsync(user, roles));

    public override async Task<IdentityResult> RemoveFromRoleAsync(PortalUser user, string role) => await RenewStampAfterAsync(user, await base.RemoveFromRoleAsync(user, role));

    public override async Task<IdentityResult> RemoveFromRolesAsync(PortalUser user, IEnumerable<string> roles) => await RenewStampAfterAsync(user, await base.RemoveFromRolesAsync(user, roles));

    /// <summary>A lockout end in the future is a lockout or (<see cref="DateTimeOffset.MaxValue"/>) a disable: both end the user's sessions.</summary>
    public override async Task<IdentityResult> SetLockoutEndDateAsync(PortalUser user, DateTimeOffset? lockoutEnd)
    {
        var result = await base.SetLockoutEndDateAsync(user, lockoutEnd);
        return lockoutEnd > clock.GetUtcNow() ? await RenewStampAfterAsync(user, result) : result;
    }

    /// <summary>The failure that locks the account (stock Identity sets the lockout through the store, not the method above).</summary>
    public override async Task<IdentityResult> AccessFailedAsync(PortalUser user)
    {
        var result = await base.AccessFailedAsync(user);
        return await IsLockedOutAsync(user) ? await RenewStampAfterAsync(user, result) : result;
    }

    /// <summary>Every write of the user (stamp included) forgets what this instance remembered of them, so it counts at once here.</summary>
    protected override async Task<IdentityResult> UpdateUserAsync(PortalUser user)
    {
        var result = await base.UpdateUserAsync(user);
        credentials.Forget(user.Id);
        return result;
    }

    private async Task<IdentityResult> RenewStampAfterAsync(PortalUser user, IdentityResult result) =>
        result.Succeeded ? await UpdateSecurityStampAsync(user) : result;
}
