using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Validates every /api call an API test makes against the live OpenAPI document (/openapi/v1.json), with a JSON Schema
/// 2020-12 validator the project did not write (JsonSchema.Net): the operation exists, the request's parameters, content type
/// and body fit it, the answer's status code is declared, its content type and body fit the declared schema, and the headers
/// the API sets (Location, Retry-After, Idempotent-Replayed) are declared. Anything undescribed throws
/// <see cref="OpenApiConformanceException"/> in the test that made the call.
/// <para>
/// A request the document calls invalid is fine when the API refuses it (4xx): document and API agree. It is a violation when
/// the API accepts it: the document is stricter than the API. Deliberately malformed requests (fuzzing, malformed JSON) opt
/// out of request validation with <see cref="SkipRequestValidation"/>; their answers are still validated.
/// </para>
/// </summary>
public sealed class OpenApiConformanceHandler(string? skipRequestValidation = null) : DelegatingHandler
{
    private static readonly AsyncLocal<string?> SkipReason = new();
    private static readonly SemaphoreSlim DocumentLock = new(1, 1);
    private static OpenApiContract? _contract;
    private static long _validated;
    private static long _requestsSkipped;

    /// <summary>Calls validated so far in this test run (requests and their answers).</summary>
    public static long Validated => Interlocked.Read(ref _validated);

    /// <summary>For deliberately malformed requests: their requests are not validated (their answers still are).</summary>
    public static IDisposable SkipRequestValidation(string reason)
    {
        var previous = SkipReason.Value;
        SkipReason.Value = reason;
        return new Restore(() => SkipReason.Value = previous);
    }

    static OpenApiConformanceHandler() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        var line = $"OpenAPI conformance: {Validated} API calls validated against /openapi/v1.json ({Interlocked.Read(ref _requestsSkipped)} with request validation skipped on purpose).";
        Console.Error.WriteLine(line);
        try
        {
            File.WriteAllText(Path.Combine(Path.GetTempPath(), "portal-openapi-conformance.txt"), line + Environment.NewLine);
        }
        catch (IOException)
        {
        }
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (!path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/api/reference", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var contract = await ContractAsync(request.RequestUri, cancellationToken);
        var requestBody = await BufferAsync(request.Content, cancellationToken);
        var skip = skipRequestValidation ?? SkipReason.Value;
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content is not null)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
        }

        var responseBody = response.Content is null ? [] : await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var violations = new List<string>();
        var status = (int)response.StatusCode;
        // Kestrel's own refusal of a request line or headers (empty 400, 414, 431) comes before routing: not an API answer.
        var server = status is 400 or 414 or 431 && responseBody.Length == 0 && response.Content?.Headers.ContentType is null;
        var operation = server ? null : contract.Find(request.Method.Method, path);
        if (operation is null && !server)
        {
            // The API has no such operation and says so (404, 405), or the /api pipeline refused the body before routing (400, 413, 415).
            if (status is not (404 or 405 or 400 or 413 or 415))
            {
                violations.Add($"{request.Method} {path} is not in the document, but the API answered {status}.");
            }
        }
        else if (operation is not null)
        {
            if (skip is null)
            {
                var requestProblems = contract.ValidateRequest(operation, request, requestBody);
                if (requestProblems.Count > 0 && status < 400)
                {
                    violations.Add($"The document calls this request invalid, but the API accepted it with {status}: " + string.Join("; ", requestProblems));
                }
            }
            else
            {
                Interlocked.Increment(ref _requestsSkipped);
            }

            violations.AddRange(contract.ValidateResponse(operation, response, responseBody));
        }

        Interlocked.Increment(ref _validated);
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new OpenApiConformanceException(
                $"{request.Method} {request.RequestUri.PathAndQuery} -> {status} does not match /openapi/v1.json:{Environment.NewLine}- "
                + string.Join(Environment.NewLine + "- ", violations)
                + $"{Environment.NewLine}Answer body: {Truncate(Encoding.UTF8.GetString(responseBody))}");
        }

        return response;
    }

    private static string Truncate(string text) => text.Length > 600 ? text[..600] + "..." : text;

    /// <summary>Reads the request body without consuming it (the content serves the same bytes again); streams of unknown length stay untouched.</summary>
    private static async Task<byte[]?> BufferAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return [];
        }

        if (content is StreamContent && content.Headers.ContentLength is null or > 32 * 1024 * 1024)
        {
            return null;
        }

        await content.LoadIntoBufferAsync(cancellationToken);
        return await content.ReadAsByteArrayAsync(cancellationToken);
    }

    private async Task<OpenApiContract> ContractAsync(Uri any, CancellationToken cancellationToken)
    {
        if (_contract is { } loaded)
        {
            return loaded;
        }

        await DocumentLock.WaitAsync(cancellationToken);
        try
        {
            if (_contract is null)
            {
                using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(any, "/openapi/v1.json"));
                using var answer = await base.SendAsync(get, cancellationToken);
                var text = await answer.Content.ReadAsStringAsync(cancellationToken);
                if (answer.StatusCode != HttpStatusCode.OK)
                {
                    throw new OpenApiConformanceException($"/openapi/v1.json answered {(int)answer.StatusCode}: {Truncate(text)}");
                }

                _contract = new OpenApiContract(JsonNode.Parse(text)!.AsObject());
            }

            return _contract;
        }
        finally
        {
            DocumentLock.Release();
        }
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

public sealed class OpenApiConformanceException(string message) : Exception(message);

/// <summary>The document, with its operations matched by path template and its schemas compiled once per use.</summary>
internal sealed partial class OpenApiContract
{
    private static readonly string[] CheckedResponseHeaders = ["Location", "Retry-After", "Idempotent-Replayed"];
    private readonly JsonObject _defs;
    private readonly List<(Regex Pattern, int Parameters, string Template)> _paths = [];
    private readonly JsonObject _document;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private static int _generation;
    private static int _compiled;
    private readonly int _id = Interlocked.Increment(ref _generation);

    public OpenApiContract(JsonObject document)
    {
        _document = document;
        _defs = (JsonObject)Rewrite(document["components"]?["schemas"]?.DeepClone() ?? new JsonObject());
        foreach (var (template, _) in document["paths"]!.AsObject())
        {
            var parameters = 0;
            var pattern = "^" + TemplateParameter().Replace(Regex.Escape(template).Replace("\\{", "{", StringComparison.Ordinal), _ =>
            {
                parameters++;
                return "[^/]+";
            }) + "/?$";
            _paths.Add((new Regex(pattern, RegexOptions.CultureInvariant), parameters, template));
        }

        _paths.Sort((a, b) => a.Parameters.CompareTo(b.Parameters));
    }

    public sealed record Operation(string Method, string Template, JsonObject Node);

    public Operation? Find(string method, string path)
    {
        foreach (var (pattern, _, template) in _paths)
        {
            if (pattern.IsMatch(path) && _document["paths"]![template]![method.ToLowerInvariant()] is JsonObject node)
            {
                return new Operation(method, template, node);
            }
        }

        return null;
    }

    public List<string> ValidateRequest(Operation operation, HttpRequestMessage request, byte[]? body)
    {
        var problems = new List<string>();
        foreach (var parameter in (operation.Node["parameters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = (string)parameter["name"]!;
            var location = (string)parameter["in"]!;
            var required = parameter["required"]?.GetValue<bool>() == true;
            string? value = null;
            if (location == "header")
            {
                value = request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
            }
            else if (location == "query")
            {
                value = QueryValue(request.RequestUri!, name);
            }
            else
            {
                continue; // path parameters: the template matched
            }

            if (value is null)
            {
                if (required)
                {
                    problems.Add($"the required {location} parameter {name} is missing");
                }

                continue;
            }

            if (parameter["schema"] is JsonObject schema)
            {
                problems.AddRange(Validate($"{operation.Template} {operation.Method} {location} {name}", schema, JsonValue.Create(value)!, $"{location} parameter {name}"));
            }
        }

        var requestBody = operation.Node["requestBody"] as JsonObject;
        var sent = request.Content is not null && (body is null || body.Length > 0);
        if (!sent)
        {
            if (requestBody?["required"]?.GetValue<bool>() == true)
            {
                problems.Add("the required request body is missing");
            }

            return problems;
        }

        if (requestBody is null)
        {
            return problems; // a body the operation does not read is ignored, as the API ignores it
        }

        var contentType = request.Content!.Headers.ContentType?.MediaType;
        if (contentType is null || requestBody["content"]?[contentType] is not JsonObject media)
        {
            problems.Add($"the request content type {contentType ?? "(none)"} is not declared");
            return problems;
        }

        if (body is not null && IsJson(contentType) && media["schema"] is JsonObject bodySchema)
        {
            problems.AddRange(ValidateJson($"{operation.Template} {operation.Method} request {contentType}", bodySchema, body, "request body"));
        }

        return problems;
    }

    public List<string> ValidateResponse(Operation operation, HttpResponseMessage response, byte[] body)
    {
        var problems = new List<string>();
        var code = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var responses = operation.Node["responses"] as JsonObject;
        if ((responses?[code] ?? responses?["default"]) is not JsonObject declared)
        {
            problems.Add($"status {code} is not declared (declared: {string.Join(", ", responses?.Select(r => r.Key) ?? [])})");
            return problems;
        }

        var headers = declared["headers"] as JsonObject;
        foreach (var name in CheckedResponseHeaders)
        {
            if (!response.Headers.TryGetValues(name, out var values) && !(response.Content?.Headers.TryGetValues(name, out values) ?? false))
            {
                continue;
            }

            var header = headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value as JsonObject;
            if (header is null)
            {
                problems.Add($"the response header {name} is not declared for {code}");
                continue;
            }

            if (header["schema"] is JsonObject schema)
            {
                var value = string.Join(",", values!);
                JsonNode instance = schema["type"]?.ToString() == "integer" && long.TryParse(value, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
                problems.AddRange(Validate($"{operation.Template} {operation.Method} {code} header {name}", schema, instance, $"header {name}"));
            }
        }

        var contentType = response.Content?.Headers.ContentType?.MediaType;
        var content = declared["content"] as JsonObject;
        if (body.Length == 0)
        {
            return problems;
        }

        if (contentType is null || content?[contentType] is not JsonObject media)
        {
            problems.Add($"the response content type {contentType ?? "(none)"} is not declared for {code} (declared: {string.Join(", ", content?.Select(c => c.Key) ?? [])})");
            return problems;
        }

        if (IsJson(contentType) && media["schema"] is JsonObject schemaNode)
        {
            problems.AddRange(ValidateJson($"{operation.Template} {operation.Method} {code} {contentType}", schemaNode, body, "response body"));
        }

        return problems;
    }

    private static bool IsJson(string contentType) => contentType == "application/json" || contentType.EndsWith("+json", StringComparison.Ordinal);

    private static string? QueryValue(Uri uri, string name)
    {
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (Uri.UnescapeDataString(parts[0].Replace('+', ' ')) == name)
            {
                return parts.Length > 1 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            }
        }

        return null;
    }

    private List<string> ValidateJson(string key, JsonObject schema, byte[] body, string what)
    {
        JsonNode? instance;
        try
        {
            instance = JsonNode.Parse(body);
            _ = instance?.ToJsonString(); // a lone surrogate escape parses, but cannot be read as a string
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return [$"the {what} is not valid JSON text"];
        }

        return Validate(key, schema, instance, what);
    }

    private List<string> Validate(string key, JsonObject schema, JsonNode? instance, string what)
    {
        var compiled = _schemas.GetOrAdd(key, _ =>
        {
            var root = (JsonObject)Rewrite(schema.DeepClone());
            root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
            // A plain, unique base URI per compiled schema (escaped keys would not round-trip through Uri).
            var id = new Uri($"https://contract.portal.test/{_id}/schema-{Interlocked.Increment(ref _compiled)}");
            root["$id"] = id.ToString();
            root["$defs"] = _defs.DeepClone();
            return JsonSchema.FromText(root.ToJsonString(), baseUri: id);
        });
        EvaluationResults results;
        try
        {
            using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
            results = compiled.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        }
        catch (InvalidOperationException)
        {
            return [$"the {what} holds a string that is not valid Unicode"];
        }

        if (results.IsValid)
        {
            return [];
        }

        var errors = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
            .Distinct()
            .Take(8)
            .ToList();
        return [$"the {what} does not fit its schema: " + (errors.Count > 0 ? string.Join("; ", errors) : "invalid")];
    }

    /// <summary>Component references become references into the compiled schema's own $defs.</summary>
    private static JsonNode Rewrite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (name == "$ref" && child is JsonValue value && value.GetValue<string>() is { } target && target.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        obj["$ref"] = "#/$defs/" + target["#/components/schemas/".Length..];
                    }
                    else if (child is not null)
                    {
                        Rewrite(child);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Rewrite(child);
                    }
                }

                break;
        }

        return node;
    }

    [GeneratedRegex(@"\{[^}/]+\}")]
    private static partial Regex TemplateParameter();
}
