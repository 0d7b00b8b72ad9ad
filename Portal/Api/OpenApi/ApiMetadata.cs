namespace Portal.Api.OpenApi;

/// <summary>Endpoint metadata: a request header the endpoint reads, declared as a header parameter in the OpenAPI document.</summary>
internal sealed record ApiRequestHeader(string Name, string Description, bool Required = false, int? MaxLength = null, string? Example = null);

/// <summary>Endpoint metadata: the endpoint reads its raw body (not JSON bound by the framework) in one of these content types.</summary>
internal sealed record ApiRawBody(string Description, bool Binary, params string[] ContentTypes);

/// <summary>Endpoint metadata: the 200 answer is a file in one of these content types.</summary>
internal sealed record ApiFileResponse(string Description, params string[] ContentTypes);

/// <summary>
/// On a request record: the OpenAPI schema lists as required only the properties marked
/// <see cref="System.ComponentModel.DataAnnotations.RequiredAttribute"/>; every other property may be left out (or sent as null).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class ApiRequestAttribute : Attribute;

/// <summary>The request headers the API declares, in one place.</summary>
internal static class ApiHeaders
{
    public static readonly ApiRequestHeader IdempotencyKey = new(PaymentsApi.IdempotencyKeyHeader,
        "Makes the request safe to retry: the same key with the same body answers the original result (with Idempotent-Replayed: true) "
        + "for 24 hours; the same key with a different body is 422.", MaxLength: 255, Example: "order-1042-attempt-1");

    public static readonly ApiRequestHeader StripeSignature = new("Stripe-Signature",
        "Stripe's timestamped HMAC-SHA256 signature of the exact body (t=...,v1=...).", Required: true, Example: "t=1764633600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd");
}
