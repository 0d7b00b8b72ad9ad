using Microsoft.AspNetCore.Authorization;
using Portal.Auth;

namespace Portal.Api;

internal static class ApiGroups
{
    /// <summary>A resource group under /api/v1: authenticated by API key or staff bearer token (never the UI cookie), tagged for OpenAPI.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string resource, string tag) =>
        app.MapGroup($"/api/v1/{resource}")
            .WithTags(tag)
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ApiAuthentication.Scheme })
            .DisableAntiforgery();
}
