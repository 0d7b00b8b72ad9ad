using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Portal.Api.OpenApi;

/// <summary>
/// Examples built from each schema, with realistic values chosen by field name (ids in their resource's prefixed form), so
/// every request and response in the document has one and they stay in step with the schemas.
/// </summary>
internal static class ApiExamples
{
    private const string Hex = "01938f6c7a2b7c4e9d1f2a3b4c5d6e7f";

    private static readonly Dictionary<string, string> IdPrefixBySchema = new(StringComparer.Ordinal)
    {
        ["PaymentDto"] = "pay_", ["RefundDto"] = "re_", ["EndpointDto"] = "we_", ["SecretDto"] = "we_", ["DeliveryDto"] = "wd_",
    };

    private static readonly Dictionary<string, JsonNode?> ByName = new(StringComparer.Ordinal)
    {
        ["merchant_id"] = "mer_" + Hex, ["payment_id"] = "pay_" + Hex, ["event_id"] = "evt_" + Hex, ["endpoint_id"] = "we_" + Hex,
        ["user_id"] = "3f2b8c1e-6a4d-4e7f-9b2a-1c5d8e0f7a6b", ["actor_id"] = "3f2b8c1e-6a4d-4e7f-9b2a-1c5d8e0f7a6b",
        ["currency"] = "usd", ["amount"] = 250000, ["payment_method"] = "pm_card_visa", ["customer_id"] = "cus_1042", ["order_id"] = "order_1042",
        ["device_id"] = "dev_8f2c41", ["ip_address"] = "203.0.113.7", ["source_ip"] = "203.0.113.7", ["country"] = "NG",
        ["url"] = "https://shop.example.com/webhooks/portal", ["endpoint_url"] = "https://shop.example.com/webhooks/portal",
        ["secret"] = "whsec_3q2+7w1Xb9Yk0cVt5n8Lr4Hs", ["access_token"] = "CfDJ8N3x...", ["token_type"] = "Bearer", ["expires_in"] = 3600,
        ["email"] = "ada.obi@portal.example", ["contact_email"] = "payments@adafabrics.example", ["password"] = "Correct-Horse-42!", ["totp_code"] = "123 456",
        ["business_name"] = "Ada Fabrics Ltd", ["cac_number"] = "RC123456", ["name"] = "Ada Obi", ["actor_name"] = "ada.obi@portal.example",
        ["role"] = "Merchant", ["actor_role"] = "Compliance", ["authenticated_with"] = "api_key", ["reason"] = "requested_by_customer",
        ["description"] = "Order notifications", ["event_type"] = "payment.succeeded", ["action"] = "payment.created", ["outcome"] = "success",
        ["next_cursor"] = "eyJrIjoiMDE5MzhmNmMifQ.x7Qm", ["cursor"] = "eyJrIjoiMDE5MzhmNmMifQ.x7Qm", ["failure_code"] = null, ["failure_message"] = null,
        ["processor"] = "simulated", ["processor_reference"] = "sim_7f3a9c", ["status_note"] = null, ["last_error"] = null, ["error"] = null,
        ["response_body"] = "{\"received\":true}", ["sha256"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ["hash"] = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", ["format"] = "pdf", ["type"] = "cac_certificate",
        ["state"] = "uploaded", ["version_id"] = "v_01938f6c", ["rule"] = "velocity", ["detail"] = "3 payments from this device in 10 minutes",
        ["target"] = "payment:pay_" + Hex, ["problem"] = null, ["website"] = "https://adafabrics.example", ["industry"] = "Retail",
        ["business_type"] = "LimitedCompany", ["registered_address"] = "12 Marina Road, Lagos", ["contact_phone"] = "+2348012345678",
        ["nationality"] = "NG", ["bank_name"] = "First Bank", ["account_name"] = "Ada Fabrics Ltd", ["account_number_masked"] = "******6789",
        ["entity_type"] = "merchant", ["weight"] = 20, ["score"] = 20, ["sequence"] = 4211, ["total"] = 4211, ["next_before"] = 4201,
        ["previous_hash"] = "6f1ed002ab5595859014ebf0951522d9d7e4a3a5b0e1a0b8c3f1a2e4d5c6b7a8", ["key_id"] = "3f2a9c0e5b7d41a8c6e2f0b9d8a7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9",
        ["algorithm"] = "ECDSA_P256_SHA256", ["public_key"] = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n-----END PUBLIC KEY-----",
        ["count"] = 1, ["attempts"] = 1, ["number"] = 1, ["duration_ms"] = 184, ["status_code"] = 200, ["last_status_code"] = 200,
        ["length"] = 482113, ["versions"] = 1, ["version"] = 3, ["ownership_percent"] = 60, ["refunded_amount"] = 0, ["amount_refundable"] = 250000,
        ["payment_refunded_amount"] = 100000, ["fraud_score"] = 20, ["is_intact"] = true, ["events_checked"] = 4211, ["first_broken_sequence"] = null,
        ["date_of_birth"] = "1986-04-12", ["enabled_events"] = new JsonArray("payment.succeeded", "payment.refunded"), ["roles"] = new JsonArray("Compliance"),
        ["metadata"] = new JsonObject { ["order_ref"] = "A-1042" },
    };

    private static readonly Dictionary<string, string> StatusBySchema = new(StringComparer.Ordinal)
    {
        ["PaymentDto"] = "succeeded", ["RefundDto"] = "succeeded", ["DeliveryDto"] = "succeeded", ["CreatedMerchant"] = "pending_kyc",
        ["MerchantSummary"] = "active", ["MerchantDto"] = "active",
    };

    public static JsonNode? ForRequest(string contentType, IOpenApiSchema? schema, OpenApiDocument document) => contentType switch
    {
        "application/json" when schema is not null && Build(schema, document, null, null, 0) is JsonObject { Count: > 0 } built => built,
        "application/json" => new JsonObject { ["id"] = "evt_1QxYz", ["type"] = "payment_intent.succeeded", ["data"] = new JsonObject { ["object"] = new JsonObject() } },
        _ => JsonValue.Create("(the file's bytes)"),
    };

    public static JsonNode? ForResponse(string path, string code, string contentType, IOpenApiSchema? schema, OpenApiDocument document)
    {
        if (contentType == "application/problem+json")
        {
            var status = int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
            var problem = new JsonObject
            {
                ["type"] = $"https://tools.ietf.org/html/rfc9110#section-15.{(status >= 500 ? 6 : 5)}",
                ["title"] = ApiOperationTransformer.TitleFor(status),
                ["status"] = status,
                ["trace_id"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            };
            if (status == 400)
            {
                problem["title"] = "One or more validation errors occurred.";
                problem["errors"] = new JsonObject { ["amount"] = new JsonArray("amount must be a positive integer in minor units.") };
            }

            return problem;
        }

        if (schema is null || contentType != "application/json")
        {
            return contentType.StartsWith("application/json", StringComparison.Ordinal) || path.Contains("/versions/", StringComparison.Ordinal)
                ? JsonValue.Create("(the file's bytes)")
                : null;
        }

        return Build(schema, document, null, null, 0);
    }

    private static JsonNode? Build(IOpenApiSchema schema, OpenApiDocument document, string? schemaName, string? property, int depth)
    {
        if (schema is OpenApiSchemaReference reference)
        {
            var id = reference.Reference.Id;
            return id is not null && document.Components?.Schemas?.TryGetValue(id, out var target) == true && depth < 24
                ? Build(target, document, id, property, depth + 1)
                : null;
        }

        if (property is not null)
        {
            if (property == "id" && schemaName is not null)
            {
                return IdPrefixBySchema.TryGetValue(schemaName, out var prefix) ? prefix + Hex
                    : schemaName == "AuditEventDto" ? "0193a1c2-7d4e-7f10-8a2b-3c4d5e6f7a8b" : "mer_" + Hex;
            }

            if (property == "object" && schemaName is not null)
            {
                return schemaName == "RefundDto" ? "refund" : "payment";
            }

            if (property is "status" or "payment_status" && (schema.Type & JsonSchemaType.String) != 0)
            {
                return schemaName is not null && StatusBySchema.TryGetValue(schemaName, out var s) ? s : "succeeded";
            }

            if (ByName.TryGetValue(property, out var named))
            {
                return named?.DeepClone();
            }
        }

        var type = schema.Type ?? 0;
        if ((type & JsonSchemaType.Object) != 0 || schema.Properties is { Count: > 0 })
        {
            var result = new JsonObject();
            foreach (var (name, child) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                result[name] = Build(child, document, schemaName, name, depth + 1);
            }

            if (result.Count == 0 && schema.AdditionalProperties is { } values)
            {
                result["key"] = Build(values, document, schemaName, null, depth + 1);
            }

            return result;
        }

        if ((type & JsonSchemaType.Array) != 0)
        {
            return schema.Items is { } items ? new JsonArray(Build(items, document, schemaName, null, depth + 1)) : new JsonArray();
        }

        if ((type & JsonSchemaType.String) != 0)
        {
            return schema.Format switch
            {
                "date-time" => "2026-12-01T09:30:00+00:00",
                "date" => "1986-04-12",
                "binary" => "(the file's bytes)",
                _ => schema.Enum is { Count: > 0 } e ? e[0]?.DeepClone() : "example",
            };
        }

        return (type & JsonSchemaType.Integer) != 0 ? 1
            : (type & JsonSchemaType.Number) != 0 ? 1.5
            : (type & JsonSchemaType.Boolean) != 0 ? true
            : null;
    }
}
