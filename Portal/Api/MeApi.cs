using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Core;

namespace Portal.Api;

internal static class MeApi
{
    public static void MapMeApi(this IEndpointRouteBuilder app) =>
        app.MapApiGroup("me", "Identity")
            .MapGet("/", GetMe)
            .WithName("GetMe")
            .WithSummary("Who the presented API key or token belongs to.");

    public sealed record MeResponse(string? UserId, string? Name, string? Role, string? MerchantId, string AuthenticatedWith);

    internal static Ok<MeResponse> GetMe(ClaimsPrincipal user)
    {
        var actor = user.ToActor(null);
        var method = user.FindFirstValue("amr") switch
        {
            "api_key" => "api_key",
            "mfa" => "bearer_token_mfa",
            _ => "bearer_token",
        };
        return TypedResults.Ok(new MeResponse(actor.UserId, actor.Name, actor.Role, actor.MerchantId is { } merchantId ? new MerchantId(merchantId).ToString() : null, method));
    }
}
