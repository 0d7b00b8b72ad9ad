using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Portal.Auth;

namespace Portal.Api.OpenApi;

/// <summary>
/// What the pipeline answers before or around a handler, read from each endpoint's metadata so the document stays right as
/// endpoints change: who may call it (security), 401/403 from authorization, 400/413/415 on bodies, 404 on path ids,
/// 429 from rate limits, 503 with Retry-After when storage is busy, 500 from the exception handler; the request headers the
/// endpoint reads; every problem answer as the one <c>ProblemDetails</c> schema.
/// </summary>
internal sealed class ApiOperationTransformer : IOpenApiOperationTransformer
{
    public const string MerchantScheme = "merchant_api_key";
    public const string StaffScheme = "staff_token";
    public const string ProblemSchema = "ProblemDetails";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var document = context.Document;
        operation.Responses ??= [];
        operation.Parameters ??= [];

        var (anonymous, merchants, staff, restricted) = Audience(metadata);
        operation.Security = [];
        if (merchants)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(MerchantScheme, document)] = [] });
        }

        if (staff)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(StaffScheme, document)] = [] });
        }

        if (anonymous && (merchants || staff))
        {
            operation.Security.Add(new OpenApiSecurityRequirement()); // the credential is optional
        }

        foreach (var path in description.ParameterDescriptions.Where(p => p.Source == BindingSource.Path))
        {
            // A typed id (PaymentId, MerchantId, ...): its one wire form. Anything else is not routed at all (404).
            if (path.Type?.GetField("Prefix", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static) is { IsLiteral: true } prefix
                && path.Type.Namespace == typeof(Core.PaymentId).Namespace
                && operation.Parameters.FirstOrDefault(p => p.Name == path.Name && p.In == ParameterLocation.Path) is OpenApiParameter { Schema: OpenApiSchema schema })
            {
                schema.Pattern = $"^{prefix.GetRawConstantValue()}[0-9a-f]{{32}}$";
            }
        }

        foreach (var header in metadata.OfType<ApiRequestHeader>())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Required = header.Required,
                Description = header.Description,
                Example = header.Example is null ? null : JsonValue.Create(header.Example),
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = header.MaxLength, MinLength = header.MaxLength is null ? null : 1 },
            });
        }

        if (metadata.OfType<ApiRawBody>().FirstOrDefault() is { } raw)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = raw.Description,
                Content = raw.ContentTypes.ToDictionary(t => t, _ => new OpenApiMediaType
                {
                    Schema = raw.Binary ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } : new OpenApiSchema { Type = JsonSchemaType.Object },
                }),
            };
        }

        if (metadata.OfType<ApiFileResponse>().FirstOrDefault() is { } file && operation.Responses.TryGetValue("200", out var ok) && ok is OpenApiResponse okResponse)
        {
            okResponse.Description = file.Description;
            okResponse.Content = file.ContentTypes.ToDictionary(t => t, _ => new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } });
        }

        var hasBody = operation.RequestBody is not null || description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body);
        var hasQuery = description.ParameterDescriptions.Any(p => p.Source == BindingSource.Query);
        var hasPathIds = description.ParameterDescriptions.Any(p => p.Source == BindingSource.Path);
        var rateLimited = metadata.OfType<EnableRateLimitingAttribute>().Any();
        var idempotent = metadata.OfType<ApiRequestHeader>().Any(h => h.Name == PaymentsApi.IdempotencyKeyHeader);

        // The /api pipeline checks any body sent, read or not (size, charset, valid Unicode): 400, 413 and 415 on every operation.
        AddProblem(operation, 400, hasBody || hasQuery || operation.Parameters.Any(p => p.In == ParameterLocation.Header)
            ? "The request is invalid: a ValidationProblem names each bad field in errors."
            : "A body was sent that is not valid text (the pipeline checks any body).");

        if (!anonymous && (merchants || staff))
        {
            AddProblem(operation, 401, "No credential, or an unknown, revoked or expired one.");
            // Also where no role is required: a rejected or suspended merchant's keys are refused with 403 and the reason.
            AddProblem(operation, 403, restricted
                ? "The credential may not call this operation (role, a staff token without its second factor, or a merchant whose keys are suspended)."
                : "The merchant's keys are suspended (the problem says why), or a staff token lacks its second factor.");
        }

        if (hasPathIds)
        {
            AddProblem(operation, 404, "No such resource, or one the caller may not see.");
        }

        AddProblem(operation, 413, "The body is larger than this operation accepts.");
        AddProblem(operation, 415, "The body's content type or charset is not accepted.");

        if (rateLimited)
        {
            AddProblem(operation, 429, "Too many requests: wait for Retry-After seconds.");
        }

        AddProblem(operation, 500, "Something went wrong on our side: the problem carries a trace_id to quote.");
        AddProblem(operation, 503, "Storage is busy or the outcome is not confirmed yet: retry after Retry-After seconds (with the same Idempotency-Key).");

        foreach (var (code, response) in operation.Responses)
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            UseOneProblemSchema(concrete, document);
            if (code is "429" or "503" || (idempotent && code == "409"))
            {
                AddHeader(concrete, "Retry-After", "Seconds to wait before retrying.", JsonSchemaType.Integer);
            }

            if (code == "201")
            {
                AddHeader(concrete, "Location", "The created resource's URL.", JsonSchemaType.String);
            }

            if (idempotent)
            {
                AddHeader(concrete, PaymentsApi.ReplayedHeader, "true when this is the stored answer to an earlier request with the same Idempotency-Key.",
                    JsonSchemaType.String, "true");
            }
        }

        // Status codes in order, so the document (and its snapshot) reads the same whatever order they were added in.
        var sorted = operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (code, response) in sorted)
        {
            operation.Responses[code] = response;
        }

        if (string.IsNullOrWhiteSpace(operation.Summary))
        {
            operation.Summary = description.ActionDescriptor.DisplayName ?? $"{description.HttpMethod} /{description.RelativePath}";
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Who may call: the policies and roles on the endpoint (group and endpoint together; every one must pass), mapped to the
    /// credential each role presents (merchants an API key, staff a bearer token). AllowAnonymous makes the credential optional.
    /// </summary>
    private static (bool Anonymous, bool Merchants, bool Staff, bool Restricted) Audience(IList<object> metadata)
    {
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0)
        {
            return (true, false, false, false);
        }

        bool merchants = true, staff = true, restricted = false;
        void Restrict(IEnumerable<string> roles)
        {
            var list = roles.ToList();
            restricted = true;
            merchants &= list.Contains(PortalRoles.Merchant);
            staff &= list.Any(PortalRoles.IsStaff);
        }

        foreach (var data in authorize)
        {
            switch (data.Policy)
            {
                case PortalPolicies.Merchant:
                    Restrict([PortalRoles.Merchant]);
                    break;
                case PortalPolicies.Admin:
                    Restrict([PortalRoles.Admin]);
                    break;
                case PortalPolicies.Compliance:
                    Restrict([PortalRoles.Compliance]);
                    break;
                case PortalPolicies.Staff:
                    Restrict([PortalRoles.Admin, PortalRoles.Compliance]);
                    break;
                case PortalPolicies.MerchantOrAdmin:
                    Restrict([PortalRoles.Merchant, PortalRoles.Admin]);
                    break;
            }

            if (!string.IsNullOrEmpty(data.Roles))
            {
                Restrict(data.Roles.Split(',', StringSplitOptions.TrimEntries));
            }
        }

        foreach (var policy in metadata.OfType<AuthorizationPolicy>())
        {
            foreach (var roles in policy.Requirements.OfType<RolesAuthorizationRequirement>())
            {
                Restrict(roles.AllowedRoles);
            }
        }

        return (anonymous, merchants, staff, restricted);
    }

    private static readonly Dictionary<int, string> Titles = new()
    {
        [400] = "Bad request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not found", [409] = "Conflict", [413] = "Payload too large",
        [415] = "Unsupported media type", [422] = "Unprocessable", [423] = "Locked", [429] = "Too many requests", [500] = "Server error", [503] = "Service unavailable",
    };

    private static void AddProblem(OpenApiOperation operation, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() },
        };
    }

    /// <summary>Every problem answer (framework validation problems included) is one schema that allows trace_id and errors.</summary>
    private static void UseOneProblemSchema(OpenApiResponse response, OpenApiDocument? document)
    {
        if (response.Content is null)
        {
            return;
        }

        var code = 0;
        foreach (var (type, media) in response.Content.ToList())
        {
            var isProblem = type == "application/problem+json"
                || (media.Schema is OpenApiSchemaReference reference && reference.Reference.Id is "ProblemDetails" or "HttpValidationProblemDetails");
            if (!isProblem)
            {
                continue;
            }

            response.Content.Remove(type);
            response.Content["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, document) };
            code++;
        }

        if (code > 0 && string.IsNullOrEmpty(response.Description))
        {
            response.Description = "A problem (RFC 9457).";
        }
    }

    private static void AddHeader(OpenApiResponse response, string name, string description, JsonSchemaType type, string? constant = null)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader
        {
            Description = description,
            Schema = constant is null ? new OpenApiSchema { Type = type } : new OpenApiSchema { Type = type, Enum = [JsonValue.Create(constant)] },
        };
    }

    internal static string TitleFor(int status) => Titles.TryGetValue(status, out var title) ? title : "Error";
}
