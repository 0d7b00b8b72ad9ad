using System.Diagnostics.CodeAnalysis;

namespace Portal.Components.Account;

/// <summary>
/// The one rule for where a return URL may lead: a path on this site. Browsers read "//host" and "/\host" as another
/// site (they treat '\' as '/' and drop tabs and newlines), so those are refused along with absolute URLs
/// ("https://…", "javascript:…") and any control character.
/// </summary>
public static class LocalReturnUrl
{
    public const string Home = "/";

    public static bool IsLocal([NotNullWhen(true)] string? url) =>
        url is { Length: > 0 }
        && url[0] == '/'
        && (url.Length == 1 || url[1] is not ('/' or '\\'))
        && !url.Any(char.IsControl);

    /// <summary>The URL when it is local, else the home page.</summary>
    public static string OrHome(string? url) => IsLocal(url) ? url : Home;
}
