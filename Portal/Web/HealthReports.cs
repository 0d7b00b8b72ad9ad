using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Auth;

namespace Portal.Web;

/// <summary>
/// The readiness answer. Anonymous callers (load balancers, anyone) get the status word only; staff (the Staff policy: Admin
/// or Compliance, with MFA), by UI session or bearer token, get each check with what it found and how long it took.
/// </summary>
internal static class HealthReports
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (!await IsStaffAsync(context))
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(report.Status.ToString());
            return;
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            duration_ms = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description, duration_ms = e.Value.Duration.TotalMilliseconds }),
        }, cancellationToken: context.RequestAborted);
    }

    private static async Task<bool> IsStaffAsync(HttpContext context)
    {
        // The endpoint is anonymous, so only the cookie was read; a bearer token is read here.
        var user = context.User.Identity?.IsAuthenticated == true ? context.User : (await context.AuthenticateAsync(ApiAuthentication.Scheme)).Principal;
        if (user is null)
        {
            return false;
        }

        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(user, PortalPolicies.Staff)).Succeeded;
    }
}
