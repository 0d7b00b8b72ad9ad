using Scalar.AspNetCore;

namespace Portal.Api.OpenApi;

/// <summary>The OpenAPI document (/openapi/v1.json) of the /api routes, and its Scalar reference page (/api/reference).</summary>
internal static class OpenApiSetup
{
    public static IServiceCollection AddPortalOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            // The API only: the account pages' form posts are not part of it.
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddSchemaTransformer<ApiSchemaTransformer>();
            o.AddOperationTransformer<ApiOperationTransformer>();
            o.AddDocumentTransformer<ApiDocumentTransformer>();
        });

    public static void MapPortalApiReference(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/reference", o => o
                .WithTitle("Merchant Portal API")
                // "Test Request" sends the merchant's own key: pick the scheme, paste the key (kept in this browser only).
                .AddPreferredSecuritySchemes(ApiOperationTransformer.MerchantScheme)
                .AddHttpAuthentication(ApiOperationTransformer.MerchantScheme, auth => auth.Token = "")
                .EnablePersistentAuthentication())
            .AllowAnonymous();
    }
}
