using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Auth;

/// <summary>
/// Whether a staff credential is still the user's current one: the security stamp it carries must equal the user's, and
/// the user must exist and not be locked out. A role change, lockout, disable or password reset gives the user a new
/// stamp (<see cref="PortalUserManager"/>), so every token issued before it is refused within <see cref="MaxStaleness"/>.
/// </summary>
internal sealed class StaffCredentialCheck(IServiceScopeFactory scopes, IOptions<IdentityOptions> identityOptions, TimeProvider clock)
{
    /// <summary>How long a looked-up stamp is trusted: a change made on another portal instance counts within this time.</summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(30);

    // null: the user is gone or locked out, so no credential of theirs is current.
    private readonly RecheckCache<string?> _stamps = new(clock, MaxStaleness);

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var claims = identityOptions.Value.ClaimsIdentity;
        if (principal.FindFirstValue(claims.UserIdClaimType) is not { } userId || principal.FindFirstValue(claims.SecurityStampClaimType) is not { } stamp)
        {
            return false;
        }

        var current = await _stamps.GetAsync(userId, LoadStampAsync, cancellationToken);
        return current is not null && string.Equals(current, stamp, StringComparison.Ordinal);
    }

    /// <summary>A change of the user's account on this instance takes effect at once, not after the cache time.</summary>
    public void Forget(string userId) => _stamps.Forget(userId);

    private async Task<string?> LoadStampAsync(string userId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return null;
        }

        return await users.GetSecurityStampAsync(user);
    }
}

/// <summary>
/// Staff bearer tokens for the API: the stock bearer-token handler reads the token, then <see cref="StaffCredentialCheck"/>
/// refuses one whose user has since been re-roled, locked, disabled or given a new password.
/// </summary>
internal sealed class StaffTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    StaffCredentialCheck check)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "StaffToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = await Context.AuthenticateAsync(IdentityConstants.BearerScheme);
        if (!token.Succeeded)
        {
            return token;
        }

        if (!await check.IsCurrentAsync(token.Principal, Context.RequestAborted))
        {
            return AuthenticateResult.Fail("The token was issued before the account's roles, password or status changed.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(token.Principal, token.Properties, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Context.ChallengeAsync(IdentityConstants.BearerScheme, properties);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Context.ForbidAsync(IdentityConstants.BearerScheme, properties);
}
