using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Web;

/// <summary>Describes the API's bearer authentication (merchant API keys <c>sk_test_…</c> or staff tokens) in the OpenAPI document.</summary>
internal sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Merchant Portal API",
            Version = "v1",
            Description = "Merchant API keys (Authorization: Bearer sk_test_...) or staff bearer tokens from POST /api/v1/auth/token. Errors are RFC 7807 problem details; JSON is snake_case.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A merchant API key (sk_test_...) or a staff access token.",
        };
        return Task.CompletedTask;
    }
}
