using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Api.OpenApi;

/// <summary>
/// The document as a whole: how to authenticate (two schemes: merchant API keys and staff bearer tokens), the one problem
/// schema, a server URL without a trailing slash, and an example on every request and response that has none of its own.
/// </summary>
internal sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string Description = """
        The Merchant Portal's HTTP API. JSON is snake_case; money is an integer amount in minor units with an ISO 4217 currency;
        ids carry their resource's prefix (`mer_`, `pay_`, `re_`, `we_`, `wd_`, `evt_`) everywhere.

        ## Authentication
        - **Merchants** send an API key from the portal's Developers page: `Authorization: Bearer sk_test_...` (scheme `merchant_api_key`).
        - **Staff** (Admin, Compliance) exchange their email, password and TOTP code for a bearer token at `POST /api/v1/auth/token`
          and send `Authorization: Bearer <access_token>` (scheme `staff_token`).

        To try a call on this page, choose *merchant_api_key* under Authentication, paste your key, and press *Test Request*.

        ## Errors
        Every error is an RFC 9457 problem (`application/problem+json`) with a `trace_id`; validation problems list each bad field in `errors`.
        `POST /api/v1/payments` and refunds take an `Idempotency-Key` header: a retry with the same key answers the original result
        with `Idempotent-Replayed: true`. 429 and 503 answers carry `Retry-After`.
        """;

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Merchant Portal API",
            Version = "v1",
            Description = Description,
            License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://portal.example/terms") },
        };
        if (document.Servers is { Count: > 0 } servers)
        {
            foreach (var server in servers)
            {
                server.Url = server.Url?.TrimEnd('/');
            }
        }

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description ??= tag.Name is { } name && TagDescriptions.TryGetValue(name, out var text) ? text : tag.Name;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [ApiOperationTransformer.MerchantScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A merchant API key from the portal's Developers page: Authorization: Bearer sk_test_...",
            },
            [ApiOperationTransformer.StaffScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A staff access token from POST /api/v1/auth/token (Admin or Compliance, with the second factor).",
            },
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.Remove("HttpValidationProblemDetails");
        document.Components.Schemas[ApiOperationTransformer.ProblemSchema] = ProblemSchema();

        foreach (var (path, item) in document.Paths)
        {
            foreach (var (_, operation) in item.Operations ?? [])
            {
                if (operation.RequestBody is OpenApiRequestBody body)
                {
                    foreach (var (type, media) in body.Content ?? new Dictionary<string, OpenApiMediaType>())
                    {
                        media.Example ??= ApiExamples.ForRequest(type, media.Schema, document);
                    }
                }

                foreach (var (code, response) in operation.Responses ?? [])
                {
                    if (response is not OpenApiResponse concrete || concrete.Content is null)
                    {
                        continue;
                    }

                    foreach (var (type, media) in concrete.Content)
                    {
                        media.Example ??= ApiExamples.ForResponse(path, code, type, media.Schema, document);
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Payments"] = "Payments and refunds, with idempotency keys and fraud scoring.",
        ["Merchants"] = "Merchant registration and records.",
        ["KYC documents"] = "The documents a merchant's KYC review needs: upload and download.",
        ["Webhooks"] = "Your webhook endpoints and the deliveries sent to them.",
        ["Identity"] = "Who the presented credential belongs to.",
        ["Authentication"] = "Staff bearer tokens.",
        ["Audit"] = "The hash-chained audit trail (Compliance).",
        ["Users"] = "User administration (Admin).",
        ["Processor webhooks"] = "Events from the payment processor (Stripe).",
    };

    private static OpenApiSchema ProblemSchema()
    {
        static OpenApiSchema Nullable(JsonSchemaType type, string description) => new() { Type = type | JsonSchemaType.Null, Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. Validation problems list each bad field in errors; every problem has a trace_id to quote to support.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = Nullable(JsonSchemaType.String, "A URI that names the kind of problem."),
                ["title"] = Nullable(JsonSchemaType.String, "A short summary of the kind of problem."),
                ["status"] = Nullable(JsonSchemaType.Integer, "The HTTP status code."),
                ["detail"] = Nullable(JsonSchemaType.String, "What went wrong in this case."),
                ["instance"] = Nullable(JsonSchemaType.String, "A URI for this occurrence."),
                ["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The trace id to quote to support." },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Validation problems: each bad field (snake_case, or a header name) with its messages.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
            AdditionalPropertiesAllowed = true,
        };
    }
}
