namespace Portal.Components.Layout;

/// <summary>
/// The user's theme choice, kept in a cookie that portal.js writes when the toggle is used. The server reads it for the
/// first render, so a page paints in the chosen theme before any script runs (the CSP allows no inline script), and the
/// static account pages (sign-in, two-factor) follow it too.
/// </summary>
internal static class ThemeCookie
{
    /// <summary>The cookie's name; portal.js writes it under the same name.</summary>
    public const string Name = "portal-theme";

    /// <summary>The cascading value's name that carries the choice from App.razor to the layouts.</summary>
    public const string CascadeName = "PortalDarkTheme";

    /// <summary>Dark only when the cookie says exactly "dark" (allow-list); anything else, or no cookie, is light.</summary>
    public static bool IsDark(HttpContext? context) =>
        context is not null && string.Equals(context.Request.Cookies[Name], "dark", StringComparison.Ordinal);
}
