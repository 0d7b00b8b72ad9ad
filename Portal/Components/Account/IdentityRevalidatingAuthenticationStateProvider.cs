using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Auth;

namespace Portal.Components.Account;

/// <summary>
/// Re-checks a connected user every 30 seconds: a locked, deleted or re-roled account loses its circuit, and so does a staff
/// session that went idle or outlived its lifetime (<see cref="StaffSessions"/>).
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        IOptions<IdentityOptions> options,
        StaffSessions staffSessions)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    // Short enough that an idle staff circuit ends within a minute of its limit; the stamp check is one indexed read.
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        IsStillSignedInAsync(authenticationState);

    /// <summary>False ends the circuit's sign-in (the page then sends the user to sign in again).</summary>
    internal async Task<bool> IsStillSignedInAsync(AuthenticationState authenticationState)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        if (!staffSessions.IsOpen(authenticationState.User))
        {
            return false;
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        return await ValidateSecurityStampAsync(userManager, authenticationState.User);
    }

    private async Task<bool> ValidateSecurityStampAsync(UserManager<PortalUser> userManager, ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is null || await userManager.IsLockedOutAsync(user))
        {
            return false;
        }

        if (!userManager.SupportsUserSecurityStamp)
        {
            return true;
        }

        var principalStamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await userManager.GetSecurityStampAsync(user);
    }
}
