using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Portal.Web;

/// <summary>Section <c>Portal</c>: the address users reach the portal at, for links that leave the site (emails).</summary>
public sealed class PublicUrlOptions
{
    /// <summary>
    /// Absolute https URL, for example <c>https://portal.example.com/</c>. Required outside Development; in Development it may
    /// be left out and links use the address the page was requested at.
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>Outside Development a missing, relative or plain-http <c>Portal:PublicBaseUrl</c> stops start-up.</summary>
internal sealed class PublicUrlOptionsValidator(IHostEnvironment environment) : IValidateOptions<PublicUrlOptions>
{
    public ValidateOptionsResult Validate(string? name, PublicUrlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.PublicBaseUrl))
        {
            return environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("Portal:PublicBaseUrl is required outside Development: the https address users reach the portal at (for email links).");
        }

        var valid = Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttps || environment.IsDevelopment() && url.Scheme == Uri.UriSchemeHttp)
            && url.Query.Length == 0 && url.Fragment.Length == 0 && url.UserInfo.Length == 0;
        return valid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Portal:PublicBaseUrl must be an absolute https URL without query or fragment, such as https://portal.example.com/.");
    }
}

/// <summary>
/// Absolute links for emails (password reset, confirmation). They are built from <c>Portal:PublicBaseUrl</c>, never from the
/// request's Host header, which the sender of the request chooses: a forged Host would otherwise mail a victim a reset link
/// to the attacker's site, token included.
/// </summary>
internal sealed class PublicLinks(IOptions<PublicUrlOptions> options, NavigationManager navigation)
{
    /// <summary>The portal's public base address, ending in '/'. Development without a setting: the current page's base.</summary>
    public Uri BaseUri
    {
        get
        {
            var configured = options.Value.PublicBaseUrl;
            var text = string.IsNullOrWhiteSpace(configured) ? navigation.BaseUri : configured;
            return new Uri(text.EndsWith('/') ? text : text + "/");
        }
    }

    /// <summary>The absolute URL of a portal path ("/account/reset-password"), with query parameters.</summary>
    public string To(string path, IReadOnlyDictionary<string, object?>? query = null)
    {
        var url = new Uri(BaseUri, path.TrimStart('/')).AbsoluteUri;
        return query is null ? url : navigation.GetUriWithQueryParameters(url, query);
    }

    /// <summary>True for a link to this portal (the dev outbox shows only those as buttons).</summary>
    public bool IsOurs(string url) => url.StartsWith(BaseUri.AbsoluteUri, StringComparison.OrdinalIgnoreCase);
}

internal static class PublicLinksExtensions
{
    public static IServiceCollection AddPublicLinks(this IServiceCollection services)
    {
        services.AddOptions<PublicUrlOptions>().BindConfiguration(Portal.Core.Configuration.PortalOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublicUrlOptions>, PublicUrlOptionsValidator>();
        services.AddScoped<PublicLinks>();
        return services;
    }
}
