using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Portal.Core.ApiKeys;

namespace Portal.Auth;

/// <summary>
/// <c>Authorization: Bearer sk_test_...</c>: a merchant API key. The key itself never reaches a log; failures say only that the key was not accepted.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService apiKeys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiAuthentication.ReadBearer(Request) is not { } presented || !presented.StartsWith(ApiKeyService.SecretPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await apiKeys.AuthenticateAsync(presented, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The API key was not accepted.");
        }

        var claims = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, identity.CreatedBy),
                new Claim(ClaimTypes.Name, "key_" + identity.KeyId.ToString("N")[..12]),
                new Claim(ClaimTypes.Role, PortalRoles.Merchant),
                new Claim(PortalPolicies.MerchantIdClaim, identity.MerchantId.ToString()),
                new Claim("amr", "api_key"),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(claims), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>The API's authentication: merchant API keys and staff bearer tokens behind one policy scheme; never the cookie (no CSRF surface on the API).</summary>
public static class ApiAuthentication
{
    public const string Scheme = "Api";

    internal static string? ReadBearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    internal static string SelectScheme(HttpContext context) =>
        ReadBearer(context.Request) is { } token && token.StartsWith(ApiKeyService.SecretPrefix, StringComparison.Ordinal)
            ? ApiKeyAuthenticationHandler.SchemeName
            : StaffTokenAuthenticationHandler.SchemeName;
}
