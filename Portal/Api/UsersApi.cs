using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;

namespace Portal.Api;

/// <summary>
/// User administration for Admins: role changes (audited, and they end the user's open sessions and tokens). Granting
/// Admin or Compliance is four-eyes: the PUT proposes it (202), a second admin confirms or sends it back.
/// </summary>
internal static class UsersApi
{
    public static void MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapApiGroup("users", "Users").RequireAuthorization(PortalPolicies.Admin);
        users.MapPut("/{userId}/roles", SetRolesAsync)
            .WithName("SetUserRoles")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Replace a user's roles (Merchant, Admin, Compliance). Granting Admin or Compliance is proposed (202) and waits for a second admin.");
        users.MapPost("/{userId}/roles/proposal/confirm", ConfirmAsync)
            .WithName("ConfirmUserRoles")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Confirm another admin's pending role change (four-eyes); the proposer cannot confirm their own.");
        users.MapPost("/{userId}/roles/proposal/send-back", SendBackAsync)
            .WithName("SendBackUserRoles")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Send a pending role change back with a note; the user's roles stay as they are.");
    }

    [Portal.Api.OpenApi.ApiRequest]
    public sealed record SetRolesRequest([property: Required, MaxLength(3)] IReadOnlyList<string> Roles);

    [Portal.Api.OpenApi.ApiRequest]
    public sealed record SendBackRequest([property: Required, MaxLength(500)] string Note);

    public sealed record RolesResponse(string UserId, IReadOnlyList<string> Roles);

    /// <summary>A role change waiting for a second admin.</summary>
    public sealed record RoleProposalResponse(string UserId, IReadOnlyList<string> ProposedRoles, string Status);

    internal static async Task<Results<Ok<RolesResponse>, Accepted<RoleProposalResponse>, ValidationProblem, ProblemHttpResult>> SetRolesAsync(
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
        if (change.Pending)
        {
            return TypedResults.Accepted((string?)null, new RoleProposalResponse(userId, change.Roles, "pending_second_admin"));
        }

        if (change.Succeeded)
        {
            return TypedResults.Ok(new RolesResponse(userId, change.Roles));
        }

        return ProblemFor(change) is { } problem ? problem : Invalid(change);
    }

    internal static async Task<Results<Ok<RolesResponse>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(string userId, HttpContext context, PortalAccounts accounts)
    {
        var change = await accounts.ConfirmProposalAsync(context.ToActor(), userId);
        if (change.Succeeded)
        {
            return TypedResults.Ok(new RolesResponse(userId, change.Roles));
        }

        return ProblemFor(change) is { } problem ? problem : Invalid(change);
    }

    internal static async Task<Results<Ok<RolesResponse>, ValidationProblem, ProblemHttpResult>> SendBackAsync(
        string userId, SendBackRequest request, HttpContext context, PortalAccounts accounts)
    {
        if (Validation.Validate(request) is { } invalid)
        {
            return invalid;
        }

        var change = await accounts.SendBackProposalAsync(context.ToActor(), userId, request.Note);
        if (change.Succeeded)
        {
            return TypedResults.Ok(new RolesResponse(userId, change.Roles));
        }

        return ProblemFor(change) is { } problem ? problem : Invalid(change, "note");
    }

    /// <summary>One mapping of a refused role change to its problem, for all three endpoints; null when it is a bad request (validation).</summary>
    private static ProblemHttpResult? ProblemFor(RoleChange change) =>
        !change.Found ? TypedResults.Problem(title: "No such user", statusCode: StatusCodes.Status404NotFound)
        : change.Own ? TypedResults.Problem(title: "Own roles", detail: change.Error, statusCode: StatusCodes.Status403Forbidden)
        : change.Conflicted ? TypedResults.Problem(title: "Conflict", detail: change.Error, statusCode: StatusCodes.Status409Conflict)
        : null;

    private static ValidationProblem Invalid(RoleChange change, string field = "roles") => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [change.Error!] });
}
