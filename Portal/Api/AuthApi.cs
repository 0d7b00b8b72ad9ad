using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>Staff access tokens for the API. Merchants use API keys from the Developers page instead.</summary>
internal static class AuthApi
{
    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/auth").WithTags("Authentication").DisableAntiforgery()
            .MapPost("/token", IssueTokenAsync)
            .AllowAnonymous()
            .RequireRateLimiting(Portal.Web.PortalRateLimits.SignIn)
            .WithName("IssueStaffToken")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status423Locked)
            .WithSummary("Exchange a staff email, password and TOTP code for a bearer token.");
    }

    [Portal.Api.OpenApi.ApiRequest]
    public sealed record TokenRequest(
        [property: Required, EmailAddress, StringLength(254)] string Email,
        [property: Required, StringLength(256)] string Password,
        // Six ASCII digits, optionally split in the middle as authenticator apps show them; Identity's own check would also take "+123456" or "0123456".
        [property: RegularExpression("^[0-9]{3} ?[0-9]{3}$", ErrorMessage = "totp_code is the 6-digit code from your authenticator app.")] string? TotpCode);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

    internal static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueTokenAsync(
        TokenRequest request,
        HttpContext context,
        UserManager<PortalUser> users,
        SignInManager<PortalUser> signIn,
        IOptionsMonitor<BearerTokenOptions> bearerOptions,
        IOptions<PortalAuthOptions> authOptions,
        AuditService audit,
        TimeProvider clock)
    {
        if (Validation.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var ip = context.Connection.RemoteIpAddress?.ToString();
        var user = await users.FindByEmailAsync(request.Email.Trim());
        var denied = TypedResults.Problem(title: "Sign-in failed", detail: "The email, password or code is not right.", statusCode: StatusCodes.Status401Unauthorized);
        if (user is null)
        {
            await audit.AppendAsync(Actor.Anonymous with { Name = Masking.Email(request.Email), SourceIp = ip },
                new AuditEntry(AuditActions.TokenIssued, AuditOutcome.Failure, null, "unknown account"));
            return denied;
        }

        var roles = await users.GetRolesAsync(user);
        var role = PortalRoles.All.FirstOrDefault(roles.Contains);
        var actor = new Actor(user.Id, user.Email, role, null, ip);
        var password = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: true);
        if (password.IsLockedOut)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.LockedOut, AuditOutcome.Denied, $"user:{user.Id}", "api token"));
            return TypedResults.Problem(title: "Account locked", detail: "Too many failed attempts. Try again later.", statusCode: StatusCodes.Status423Locked);
        }

        if (!password.Succeeded)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.TokenIssued, AuditOutcome.Failure, $"user:{user.Id}", password.IsNotAllowed ? "email not confirmed" : "wrong password"));
            return denied;
        }

        if (role is null || !PortalRoles.IsStaff(role))
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.TokenIssued, AuditOutcome.Denied, $"user:{user.Id}", "not staff"));
            return TypedResults.Problem(title: "Staff only", detail: "Merchants call the API with an API key from the Developers page.", statusCode: StatusCodes.Status403Forbidden);
        }

        var mfa = false;
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            var code = (request.TotpCode ?? "").Replace(" ", "", StringComparison.Ordinal);
            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
            {
                await users.AccessFailedAsync(user);
                await audit.AppendAsync(actor, new AuditEntry(AuditActions.MfaChallenge, AuditOutcome.Failure, $"user:{user.Id}", "api token"));
                return denied;
            }

            mfa = true;
        }
        else if (authOptions.Value.RequireStaffMfa)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.TokenIssued, AuditOutcome.Denied, $"user:{user.Id}", "mfa not enrolled"));
            return TypedResults.Problem(title: "Two-factor authentication required", detail: "Sign in to the portal once and set up an authenticator app first.", statusCode: StatusCodes.Status403Forbidden);
        }

        var principal = await signIn.CreateUserPrincipalAsync(user);
        if (mfa)
        {
            ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("amr", "mfa"));
        }

        var options = bearerOptions.Get(IdentityConstants.BearerScheme);
        var now = clock.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + options.BearerTokenExpiration };
        var token = options.BearerTokenProtector.Protect(new AuthenticationTicket(principal, properties, $"{IdentityConstants.BearerScheme}:AccessToken"));
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.TokenIssued, AuditOutcome.Success, $"user:{user.Id}", mfa ? "factor=totp" : "factor=password"));
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)options.BearerTokenExpiration.TotalSeconds));
    }
}
