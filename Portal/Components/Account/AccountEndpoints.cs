using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Auth;
using Portal.Core.Audit;

namespace Portal.Components.Account;

internal static class AccountEndpoints
{
    /// <summary>Sign-out is a POST with an antiforgery token (validated by the form binding), never a GET a link could trigger.</summary>
    public static IEndpointConventionBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account");
        account.MapPost("/logout", async (HttpContext context, [FromServices] SignInManager<PortalUser> signInManager, [FromServices] AuditService audit) =>
        {
            var actor = context.ToActor();
            await signInManager.SignOutAsync();
            if (actor.UserId is not null)
            {
                await audit.AppendAsync(actor, new AuditEntry(AuditActions.SignOut, AuditOutcome.Success, $"user:{actor.UserId}"));
            }

            return TypedResults.LocalRedirect("~/account/login");
        }).DisableAntiforgery().AddEndpointFilter(async (ctx, next) =>
        {
            // Explicit check: the handler binds no form field, so the framework would not validate the token on its own.
            var antiforgery = ctx.HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(ctx.HttpContext))
            {
                return TypedResults.Problem(title: "The sign-out form expired. Reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
            }

            return await next(ctx);
        });

        // User input on an open page (portal.js, throttled): the request itself is the activity that keeps a staff
        // session from going idle (StaffSessions); a live circuit's own traffic is not.
        account.MapPost("/activity", () => TypedResults.NoContent()).RequireAuthorization(PortalPolicies.SignedIn).ExcludeFromDescription();
        return account;
    }
}
