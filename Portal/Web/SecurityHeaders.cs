namespace Portal.Web;

internal static class SecurityHeaders
{
    // Blazor Server needs no inline script or eval; MudBlazor sets inline styles. 'self' covers the circuit's same-origin WebSocket.
    private const string Csp =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    // A stored document shown in the portal's own viewer (<img>, <iframe>): no script, framable by the portal only.
    // object-src 'self' lets Chromium's PDF viewer embed the file in the frame.
    private const string FramableCsp = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'";

    // The API reference page (Scalar) boots from an inline script; it gets its own, still frame-proof, policy.
    private const string ReferenceCsp =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public static void UsePortalSecurityHeaders(this WebApplication app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var framable = context.GetEndpoint()?.Metadata.GetMetadata<FramableBySelf>() is not null;
            headers.ContentSecurityPolicy = framable ? FramableCsp : context.Request.Path.StartsWithSegments("/api/reference") ? ReferenceCsp : Csp;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = framable ? "SAMEORIGIN" : "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            // Pages are prerendered with the signed-in user's data (a merchant record, a payment): no browser or proxy
            // keeps a copy. Static assets keep their own caching.
            var page = headers.ContentType.ToString().StartsWith("text/html", StringComparison.OrdinalIgnoreCase);
            if (page || context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/account"))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });
        await next();
    });
}
