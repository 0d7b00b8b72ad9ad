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
    ApiKeyService apiKeys,
    MerchantKeyGate gate,
    IProblemDetailsService problems)
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

        if (await gate.RefusalAsync(identity.MerchantId, Context.RequestAborted) is { } refusal)
        {
            return AuthenticateResult.Fail(new MerchantRefusedException(refusal));
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

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // A valid key of a merchant that may not use it: say why (403), rather than a bare "who are you?" (401).
        if ((await HandleAuthenticateOnceSafeAsync()).Failure is MerchantRefusedException refused)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = { Status = StatusCodes.Status403Forbidden, Title = "Merchant not permitted", Detail = refused.Message },
            });
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
    }

    /// <summary>The authentication failure of a genuine key whose merchant may not use it; its message is shown to the caller.</summary>
    private sealed class MerchantRefusedException(string message) : Exception(message);
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
