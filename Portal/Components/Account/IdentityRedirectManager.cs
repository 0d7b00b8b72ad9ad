using Microsoft.AspNetCore.Components;

namespace Portal.Components.Account;

/// <summary>Redirects from static account pages; only to local paths, so a crafted returnUrl cannot send users off-site.</summary>
internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    /// <summary>Goes to <paramref name="uri"/> when it is a local path (<see cref="LocalReturnUrl"/>), else home.</summary>
    public void RedirectTo(string? uri) => navigationManager.NavigateTo(LocalReturnUrl.OrHome(uri));

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var withQuery = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo("/" + navigationManager.ToBaseRelativePath(withQuery));
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }
}
