using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Core.Configuration;
using Portal.Web;

namespace Portal.Auth;

/// <summary>
/// What depends on the environment, decided by allow-list: developer conveniences (demo accounts, the email outbox,
/// links built from the request, cookies over plain HTTP) exist in <c>Development</c> only. Every other environment is
/// treated as exposed, whatever it is called (Staging, UAT, Production).
/// </summary>
internal static class EnvironmentRules
{
    public static IServiceCollection AddEnvironmentRules(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<PortalOptions>, PublishedDemoPasswordGuard>();
        services.AddPublicLinks();

        // Every Identity cookie (the session, the half-signed-in two-factor step, remembered devices) travels over
        // HTTPS only outside Development, whatever the request's scheme looks like behind a proxy.
        string[] cookieSchemes = [IdentityConstants.ApplicationScheme, IdentityConstants.ExternalScheme,
            IdentityConstants.TwoFactorUserIdScheme, IdentityConstants.TwoFactorRememberMeScheme];
        foreach (var scheme in cookieSchemes)
        {
            services.AddOptions<CookieAuthenticationOptions>(scheme).Configure<IHostEnvironment>((o, environment) =>
                o.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);
        }

        return services;
    }
}

/// <summary>
/// Outside Development the portal refuses to start while <c>Portal:DemoPassword</c> is the published one: a data folder
/// seeded by a developer (or an older build) would otherwise hold accounts anyone can sign in to.
/// </summary>
internal sealed class PublishedDemoPasswordGuard(IHostEnvironment environment) : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return environment.IsDevelopment() || options.DemoPassword != PortalOptions.PublishedDemoPassword
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Portal:DemoPassword is the published demo password, which is allowed in Development only (this is '{environment.EnvironmentName}'). " +
                "Set Portal:DemoPassword to a secret of your own; demo accounts are never created outside Development.");
    }
}
