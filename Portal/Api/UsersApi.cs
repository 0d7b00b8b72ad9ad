using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;

namespace Portal.Api;

/// <summary>User administration for Admins: role changes (audited, and they end the user's open sessions and tokens).</summary>
internal static class UsersApi
{
    public static void MapUsersApi(this IEndpointRouteBuilder app) =>
        app.MapApiGroup("users", "Users")
            .RequireAuthorization(PortalPolicies.Admin)
            .MapPut("/{userId}/roles", SetRolesAsync)
            .WithName("SetUserRoles")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Replace a user's roles (Merchant, Admin, Compliance).");

    [Portal.Api.OpenApi.ApiRequest]
    public sealed record SetRolesRequest([property: Required, MaxLength(3)] IReadOnlyList<string> Roles);

    public sealed record RolesResponse(string UserId, IReadOnlyList<string> Roles);

    internal static async Task<Results<Ok<RolesResponse>, ValidationProblem, ProblemHttpResult>> SetRolesAsync(
        string userId, SetRolesRequest request, HttpContext context, PortalAccounts accounts)
    {
        if (Validation.Validate(request) is { } invalid)
        {
            return invalid;
        }

        // JSON can put a null into a list declared non-null ("roles": [null]).
        if (request.Roles.Any(role => role is null))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["roles"] = ["A role cannot be null."] });
        }

        var change = await accounts.SetRolesAsync(context.ToActor(), userId, request.Roles.Distinct(StringComparer.Ordinal).ToList());
        if (!change.Found)
        {
            return TypedResults.Problem(title: "No such user", statusCode: StatusCodes.Status404NotFound);
        }

        if (change.Own)
        {
            return TypedResults.Problem(title: "Own roles", detail: change.Error, statusCode: StatusCodes.Status403Forbidden);
        }

        return change.Succeeded
            ? TypedResults.Ok(new RolesResponse(userId, change.Roles))
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["roles"] = [change.Error!] });
    }
}
