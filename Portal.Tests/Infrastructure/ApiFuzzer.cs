using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Core;

namespace Portal.Tests.Infrastructure;

/// <summary>One operation of the OpenAPI document: route template, parameters, and its JSON body schema with $ref resolved.</summary>
public sealed record ApiOperation(string Method, string Template, IReadOnlyList<string> PathParameters, IReadOnlyList<string> QueryParameters, JsonObject? BodySchema)
{
    public override string ToString() => $"{Method} {Template}";
}

/// <summary>One hostile request, described for the failure report and turned into a fresh message for each send.</summary>
public sealed record FuzzRequest(ApiOperation Operation, string Url, string Mutation, byte[]? Body, string? ContentType, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Operation.Method), Url);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    public override string ToString() => $"{Operation.Method} {Shorten(Url)} [{Mutation}]";

    private static string Shorten(string text) => text.Length <= 160 ? text : $"{text[..150]}...({text.Length} chars)";
}

/// <summary>
/// Hostile requests generated from an OpenAPI document: for each operation a systematic set (every hostile value in every
/// body property, query parameter and path parameter; broken, empty, nested, oversize and mistyped bodies; header variants)
/// and seeded random ones that combine several mutations with random Unicode and numbers. A valid-ish base body comes from
/// the schema, with domain values from <c>validValues</c> by property name, so that mutations reach past the validation of
/// the fields they do not touch.
/// </summary>
public sealed class ApiFuzzer
{
    private const string Json = "application/json";

    private readonly JsonElement _schemas;
    private readonly IReadOnlyDictionary<string, string> _realIds;
    private readonly IReadOnlyDictionary<string, JsonNode> _validValues;
    private readonly (string Label, string Json)[] _hostileValues;

    /// <param name="openApi">The document served at /openapi/v1.json.</param>
    /// <param name="realIds">Path parameter name to a real id of the callers' own objects (merchantId, paymentId, ...).</param>
    /// <param name="validValues">Property name to a value its validation accepts (amount, currency, url, ...).</param>
    public ApiFuzzer(JsonDocument openApi, IReadOnlyDictionary<string, string> realIds, IReadOnlyDictionary<string, JsonNode> validValues)
    {
        _schemas = openApi.RootElement.GetProperty("components").GetProperty("schemas");
        _realIds = realIds;
        _validValues = validValues;
        _hostileValues = [.. HostileValues()];
        Operations = [.. ReadOperations(openApi.RootElement)];
    }

    public IReadOnlyList<ApiOperation> Operations { get; }

    private IEnumerable<ApiOperation> ReadOperations(JsonElement root)
    {
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete" or "patch"))
            {
                var parameters = operation.Value.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
                string[] Named(string where) => [.. parameters.Where(x => x.GetProperty("in").GetString() == where).Select(x => x.GetProperty("name").GetString()!)];
                JsonObject? body = null;
                if (operation.Value.TryGetProperty("requestBody", out var requestBody)
                    && requestBody.GetProperty("content").TryGetProperty(Json, out var media) && media.TryGetProperty("schema", out var schema))
                {
                    body = Resolve(schema);
                }

                yield return new ApiOperation(operation.Name.ToUpperInvariant(), path.Name, Named("path"), Named("query"), body);
            }
        }
    }

    private JsonObject Resolve(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return Resolve(_schemas.GetProperty(name));
        }

        return JsonNode.Parse(schema.GetRawText())!.AsObject();
    }

    // ---------------------------------------------------------------- systematic

    /// <summary>
    /// The base request of one operation first, then every path, query, body-level and content-type mutation, once: the
    /// same list on every run. <see cref="FieldMutations"/> adds the per-property ones.
    /// </summary>
    public IEnumerable<FuzzRequest> Systematic(ApiOperation op)
    {
        var url = Url(op, _ => null, null);
        var body = op.BodySchema is null ? null : BaseBody(op.BodySchema);
        yield return Request(op, url, "base request", body is null ? BodylessContent(op) : Encode(body));

        foreach (var name in op.PathParameters)
        {
            foreach (var (label, value) in PathValues(name))
            {
                yield return Request(op, Url(op, p => p == name ? value : null, null), $"path {name}: {label}", body is null ? BodylessContent(op) : Encode(body));
            }
        }

        foreach (var name in op.QueryParameters)
        {
            foreach (var (label, value) in QueryValues())
            {
                yield return Request(op, Url(op, _ => null, $"{name}={value}"), $"query {name}: {label}", (null, null));
            }
        }

        if (op.QueryParameters.Count > 0)
        {
            yield return Request(op, Url(op, _ => null, string.Join('&', op.QueryParameters.Select(q => $"{q}=1&{q}=2"))), "every query parameter twice", (null, null));
            yield return Request(op, Url(op, _ => null, "unknown=1&%00=%00&=&&&"), "unknown and empty query parameters", (null, null));
        }

        if (op.Method == "GET")
        {
            yield return Request(op, url, "GET with a JSON body", (Encoding.UTF8.GetBytes("{\"a\":1}"), Json));
            yield break;
        }

        foreach (var (label, content) in BodyVariants(op, body))
        {
            yield return Request(op, url, label, content);
        }
    }

    /// <summary>
    /// Every hostile value in every body property, each missing property, and the Idempotency-Key variants: worth sending
    /// only as a caller whose base request gets past authentication (the body is never read otherwise).
    /// </summary>
    public IEnumerable<FuzzRequest> FieldMutations(ApiOperation op)
    {
        var url = Url(op, _ => null, null);
        if (op.BodySchema is not null)
        {
            var body = BaseBody(op.BodySchema);
            foreach (var (property, _) in Properties(op.BodySchema!))
            {
                foreach (var (label, raw) in _hostileValues)
                {
                    yield return Request(op, url, $"{property}: {label}", Encode(body, property, raw));
                }

                foreach (var (label, raw) in TypeSpecificValues(op.BodySchema!, property))
                {
                    yield return Request(op, url, $"{property}: {label}", Encode(body, property, raw));
                }

                yield return Request(op, url, $"{property}: missing", Encode(body, property, null));
            }

            foreach (var (label, value) in IdempotencyKeys())
            {
                yield return Request(op, url, $"Idempotency-Key: {label}", Encode(body), [new("Idempotency-Key", value)]);
            }

            yield return Request(op, url, "Idempotency-Key twice", Encode(body), [new("Idempotency-Key", "a"), new("Idempotency-Key", "b")]);
            var reused = "fuzz-reused-" + op.Template.GetHashCode(StringComparison.Ordinal).ToString(CultureInfo.InvariantCulture);
            yield return Request(op, url, "Idempotency-Key reused, first body", Encode(body), [new("Idempotency-Key", reused)]);
            // A body with no declared properties (a processor's event, read raw) has no field to change.
            if (Properties(op.BodySchema!).Select(p => p.Name).FirstOrDefault() is { } first)
            {
                yield return Request(op, url, "Idempotency-Key reused, other body", Encode(body, first, "null"), [new("Idempotency-Key", reused)]);
            }
        }
    }

    private static (byte[]? Body, string? ContentType) BodylessContent(ApiOperation op) => op.Method is "POST" or "PUT" or "PATCH" ? (Encoding.UTF8.GetBytes("{}"), Json) : (null, null);

    private static IEnumerable<(string Label, (byte[]? Body, string? ContentType) Content)> BodyVariants(ApiOperation op, JsonObject? body)
    {
        var text = body?.ToJsonString() ?? "{}";
        (byte[]?, string?) Utf8(string json, string? contentType = Json) => (Encoding.UTF8.GetBytes(json), contentType);

        yield return ("no body", (null, null));
        yield return ("empty JSON body", Utf8(""));
        yield return ("whitespace body", Utf8(" \r\n\t "));
        foreach (var (label, json) in new[]
        {
            ("null", "null"), ("empty object", "{}"), ("empty array", "[]"), ("string", "\"text\""), ("number", "42"), ("true", "true"),
            ("array of the body", $"[{text}]"), ("body nested as a property", $"{{\"data\":{text}}}"),
            ("unterminated object", "{"), ("missing value", "{\"a\":}"), ("trailing comma", text.TrimEnd('}') + ",}"), ("single quotes", "{'a':'b'}"),
            ("comment", "/* c */" + text), ("two documents", text + text), ("truncated", text[..(text.Length / 2)]), ("unterminated string", "{\"a\":\"abc"),
            ("raw control characters", "{\"a\":\"\u0001\u0000\u001f\"}"), ("NaN", "{\"a\":NaN}"), ("bare word", "undefined"), ("hex number", "{\"a\":0x10}"),
            ("duplicate keys", text.TrimEnd('}') + (text.Length > 2 ? "," : "") + text.TrimStart('{')),
            ("extra fields", text.TrimEnd('}') + (text.Length > 2 ? "," : "") + "\"extra\":1,\"__proto__\":{\"admin\":true},\"$type\":\"System.IO.FileInfo\",\"$ref\":\"#\"}"),
            ("upper-case property names", text.ToUpperInvariant()),
            ("objects nested 1000 deep", string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000)),
            ("arrays nested 1000 deep", new string('[', 1000) + new string(']', 1000)),
            ("unclosed nesting 100000 deep", new string('[', 100_000)),
        })
        {
            yield return ($"body: {label}", Utf8(json));
        }

        yield return ("body: byte order mark", ([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)], Json));
        yield return ("body: invalid UTF-8", ([.. Encoding.UTF8.GetBytes("{\"a\":\""), 0xC3, 0x28, 0xFF, 0xED, 0xA0, 0x80, .. Encoding.UTF8.GetBytes("\"}")], Json));
        yield return ("body: UTF-16", (Encoding.Unicode.GetBytes(text), Json));
        yield return ("body: UTF-16 declared", (Encoding.Unicode.GetBytes(text), "application/json; charset=utf-16"));
        yield return ("body: random bytes", (RandomBytes(4096, 1), Json));
        yield return ("body: 70 KB", Utf8(Padded(text, 70 * 1024)));
        yield return ("body: 2 MB", Utf8(Padded(text, 2 * 1024 * 1024)));
        foreach (var contentType in new[]
        {
            "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json; charset=bogus", "application/json; charset=\"utf-8\"",
            "application/json; charset=utf-8; charset=latin1", "application/vnd.api+json", "application/*", "*/*", "json", "%%%", "",
        })
        {
            var content = contentType switch
            {
                "application/xml" => "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>",
                "multipart/form-data; boundary=x" => "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n",
                "application/x-www-form-urlencoded" => "amount=1&a[b][c]=2",
                _ => text,
            };
            yield return ($"content type: '{contentType}'", Utf8(content, contentType));
        }

        yield return ("content type: none", (Encoding.UTF8.GetBytes(text), null));
        if (op.BodySchema is null && op.Method == "PUT")
        {
            // A raw upload: a real file signature with junk after it, and each signature cut short.
            yield return ("upload: PDF signature and junk", ([.. "%PDF-1.7\n"u8, .. RandomBytes(2048, 2)], "application/pdf"));
            yield return ("upload: PNG signature only", ([0x89, 0x50, 0x4E, 0x47], "image/png"));
            yield return ("upload: JPEG signature only", ([0xFF, 0xD8, 0xFF], "image/jpeg"));
            yield return ("upload: zip bomb header", ([.. "PK\u0003\u0004"u8, .. RandomBytes(512, 3)], "application/zip"));
        }
    }

    // ---------------------------------------------------------------- random

    /// <summary>A random request to one operation: several mutations at once, drawn from the hostile values and random Unicode or numbers.</summary>
    public FuzzRequest Random(ApiOperation op, Random random)
    {
        var labels = new List<string>();
        string? Pick(string name)
        {
            if (random.Next(3) != 0)
            {
                return null;
            }

            var values = PathValues(name).ToList();
            var (label, value) = values[random.Next(values.Count)];
            labels.Add($"path {name}: {label}");
            return value;
        }

        string? query = null;
        if (op.QueryParameters.Count > 0 && random.Next(2) == 0)
        {
            var name = op.QueryParameters[random.Next(op.QueryParameters.Count)];
            var text = RandomString(random);
            query = $"{name}={Uri.EscapeDataString(text)}";
            labels.Add($"query {name}: random {Describe(text)}");
        }

        var url = Url(op, Pick, query);
        (byte[]? Body, string? ContentType) content = (null, null);
        if (op.BodySchema is { } schema)
        {
            var properties = Properties(schema).ToList();
            var mutated = new Dictionary<string, string?>();
            for (var i = properties.Count == 0 ? 0 : random.Next(1, 4); i > 0; i--)
            {
                var (property, _) = properties[random.Next(properties.Count)];
                var (label, raw) = random.Next(3) switch
                {
                    0 => _hostileValues[random.Next(_hostileValues.Length)],
                    1 => RandomStringValue(random),
                    _ => RandomJsonValue(random, 0),
                };
                mutated[property] = raw;
                labels.Add($"{property}: {label}");
            }

            content = Encode(BaseBody(schema), mutated);
            if (random.Next(10) == 0)
            {
                var variants = BodyVariants(op, BaseBody(schema)).ToList();
                var (label, variant) = variants[random.Next(variants.Count)];
                content = variant;
                labels.Add(label);
            }
        }
        else if (op.Method != "GET")
        {
            var variants = BodyVariants(op, null).ToList();
            var (label, variant) = variants[random.Next(variants.Count)];
            content = variant;
            labels.Add(label);
        }

        List<KeyValuePair<string, string>> headers = [];
        if (op.Method == "POST" && random.Next(2) == 0)
        {
            var keys = IdempotencyKeys().ToList();
            var (label, value) = random.Next(2) == 0 ? keys[random.Next(keys.Count)] : ("random", RandomString(random));
            headers.Add(new("Idempotency-Key", value));
            labels.Add($"Idempotency-Key: {label}");
        }

        return new FuzzRequest(op, url, labels.Count == 0 ? "base request" : string.Join("; ", labels), content.Body, content.ContentType, headers);
    }

    private static (string Label, string Json) RandomStringValue(Random random)
    {
        var text = RandomString(random);
        return ($"random string {Describe(text)}", JsonString(text, escapeNonAscii: random.Next(2) == 0));
    }

    private static (string Label, string Json) RandomJsonValue(Random random, int depth)
    {
        switch (random.Next(depth > 4 ? 4 : 6))
        {
            case 0:
                var whole = random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64);
                return ($"random integer {whole}", whole.ToString(CultureInfo.InvariantCulture));
            case 1:
                var number = $"{(random.Next(2) == 0 ? "-" : "")}{random.Next(10)}.{random.Next(1_000_000)}e{random.Next(-500, 500)}";
                return ($"random number {number}", number);
            case 2:
                return RandomStringValue(random);
            case 3:
                string[] literals = ["true", "false", "null", "0", "-0", "\"\""];
                var literal = literals[random.Next(literals.Length)];
                return ($"literal {literal}", literal);
            case 4:
                var items = Enumerable.Range(0, random.Next(5)).Select(_ => RandomJsonValue(random, depth + 1).Json);
                return ($"random array, depth {depth}", $"[{string.Join(',', items)}]");
            default:
                var members = Enumerable.Range(0, random.Next(5)).Select(_ => $"{JsonString(RandomString(random), false)}:{RandomJsonValue(random, depth + 1).Json}");
                return ($"random object, depth {depth}", $"{{{string.Join(',', members)}}}");
        }
    }

    // Letters from many scripts and the characters that trip parsers: controls, bidi and zero-width marks, combining marks,
    // non-ASCII digits, emoji (surrogate pairs) and lone surrogates.
    private static string RandomString(Random random)
    {
        var length = random.Next(10) switch
        {
            0 => 0,
            < 8 => random.Next(1, 40),
            8 => random.Next(40, 2_000),
            _ => random.Next(2_000, 20_000),
        };
        var builder = new StringBuilder(length);
        while (builder.Length < length)
        {
            switch (random.Next(11))
            {
                case 0: builder.Append((char)random.Next(0x20, 0x7F)); break;
                case 1: builder.Append((char)random.Next(0x00, 0x20)); break;
                case 2: builder.Append("\u202E\u202D\u200F\u061C\u2066\u2069"[random.Next(6)]); break;
                case 3: builder.Append("\u200B\u200C\u200D\u2060\uFEFF\u00AD"[random.Next(6)]); break;
                case 4: builder.Append((char)random.Next(0x0300, 0x0370)); break;
                case 5: builder.Append((char)random.Next(0xFF10, 0xFF1A)); break;
                case 6: builder.Append((char)random.Next(0x0660, 0x066A)); break;
                case 7: builder.Append(char.ConvertFromUtf32(random.Next(0x1F300, 0x1FAFF))); break;
                case 8: builder.Append((char)random.Next(0x4E00, 0x9FFF)); break;
                case 9: builder.Append("\"\\/'<>&%{}$`\u0085\u2028\u2029"[random.Next(15)]); break;
                default: builder.Append((char)random.Next(0xD800, 0xE000)); break;
            }
        }

        return builder.ToString();
    }

    private static string Describe(string text) => text.Length > 24 ? $"({text.Length} chars)" : JsonString(text, escapeNonAscii: true);

    // ---------------------------------------------------------------- values

    private static IEnumerable<(string Label, string Json)> HostileValues()
    {
        // Wrong types and null.
        yield return ("null", "null");
        yield return ("true", "true");
        yield return ("empty object", "{}");
        yield return ("object", "{\"a\":\"b\"}");
        yield return ("empty array", "[]");
        yield return ("array", "[\"a\",1,null]");
        yield return ("string", "\"text\"");
        yield return ("number as string", "\"2500\"");
        // Boundary and huge numbers.
        foreach (var number in new[]
        {
            "0", "-0", "-1", "1", "2147483647", "2147483648", "-2147483649", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "1.5", "0.1", "1e308", "-1e308", "1e400",
            "-1e400", "1e-400", "1E+2", "0.0000000000000000000000001",
        })
        {
            yield return ($"number {number}", number);
        }

        // Odd and huge Unicode strings.
        yield return ("empty string", "\"\"");
        yield return ("whitespace", "\" \\t\\r\\n \"");
        yield return ("60k characters", JsonString(new string('a', 60_000), false));
        yield return ("100k characters", JsonString(new string('a', 100_000), false));
        yield return ("emoji", JsonString("💳🧨👩‍👩‍👧‍👦🏳️‍🌈", false));
        yield return ("15k emoji", JsonString(string.Concat(Enumerable.Repeat("🧨", 15_000)), false));
        yield return ("right-to-left override", JsonString("\u202Eevil\u202Dcus_1\u200F", true));
        yield return ("zero-width characters", JsonString("a\u200Bb\u200C\u200Dc\uFEFF\u2060", true));
        yield return ("NUL", "\"a\\u0000b\"");
        yield return ("control characters", "\"\\u0001\\u0007\\u001b[31m\\u007f\\u0085\"");
        yield return ("CRLF header injection", "\"a\\r\\nX-Injected: 1\\r\\n\\r\\n\"");
        yield return ("line separators", "\"a\\u2028b\\u2029c\"");
        yield return ("combining marks", JsonString("e" + new string('\u0301', 5_000), false));
        yield return ("fullwidth digits", JsonString("１２３４５６", false));
        yield return ("Arabic-Indic digits", JsonString("٣١٤١٥٩", false));
        yield return ("Devanagari digits", JsonString("१२३४५६", false));
        yield return ("lone high surrogate", "\"\\ud800\"");
        yield return ("lone low surrogate", "\"a\\udc00b\"");
        yield return ("reversed surrogate pair", "\"\\udc00\\ud800\"");
        yield return ("noncharacters", "\"\\uffff\\ufffe\"");
        yield return ("escaped slash and unicode", "\"\\/\\u0041\\u00e9\"");
        yield return ("markup", JsonString("<script>alert(1)</script><img src=x onerror=alert(1)>", false));
        yield return ("SQL", JsonString("' OR 1=1; DROP TABLE payments; --", false));
        yield return ("path traversal", JsonString("../../../../etc/passwd", false));
        yield return ("format string", JsonString("%s%s%n{0}{{7*7}}${jndi:ldap://x/a}", false));
        yield return ("percent encoding", JsonString("%00%2e%2e%2f%ff", false));
        yield return ("Luhn-valid card number", JsonString("4111111111111111", false));
        yield return ("huge numeric string", JsonString(new string('9', 5_000), false));
        yield return ("NaN as string", "\"NaN\"");
        yield return ("Infinity as string", "\"-Infinity\"");
        yield return ("date", "\"9999-12-31T23:59:59.9999999+14:00\"");
        // Deep nesting where a scalar is expected.
        yield return ("arrays nested 1000 deep", new string('[', 1000) + new string(']', 1000));
        yield return ("objects nested 1000 deep", string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000));
        yield return ("arrays nested 60 deep", new string('[', 60) + new string(']', 60));
    }

    private static IEnumerable<(string Label, string Json)> TypeSpecificValues(JsonObject schema, string property)
    {
        var propertySchema = schema["properties"]![property]!.AsObject();
        var types = Types(propertySchema);
        if (types.Contains("object"))
        {
            yield return ("10k keys", "{" + string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"\"k{i}\":\"v\"")) + "}");
            yield return ("nested values", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}");
            yield return ("null value", "{\"a\":null}");
            yield return ("number value", "{\"a\":1}");
            yield return ("empty and huge keys", $"{{\"\":\"v\",{JsonString(new string('k', 30_000), false)}:\"v\"}}");
            yield return ("duplicate keys", "{\"a\":\"1\",\"a\":\"2\"}");
            var oddKey = JsonString("\u202E𝒜\u0000", true);
            yield return ("Unicode keys", $"{{{oddKey}:{oddKey}}}");
        }

        if (types.Contains("array"))
        {
            yield return ("array of nulls", "[null,null]");
            yield return ("array of numbers", "[1,2,3]");
            yield return ("array of objects", "[{},{\"a\":1}]");
            yield return ("array of 10k strings", "[" + string.Join(',', Enumerable.Repeat("\"Admin\"", 10_000)) + "]");
            yield return ("array of empty strings", "[\"\",\" \"]");
            yield return ("array of huge strings", $"[{JsonString(new string('x', 20_000), false)}]");
        }

        if (types.Contains("boolean"))
        {
            yield return ("0", "0");
            yield return ("\"true\"", "\"true\"");
            yield return ("True", "True");
        }
    }

    private static IEnumerable<(string Label, string Value)> IdempotencyKeys()
    {
        yield return ("empty", "");
        yield return ("space", " ");
        yield return ("255 characters", new string('k', 255));
        yield return ("10k characters", new string('k', 10_000));
        yield return ("non-ASCII", "ключ-💳");
        yield return ("control characters", "a\tb\u0001");
        yield return ("fresh", "fuzz-" + Guid.NewGuid().ToString("N"));
    }

    private static readonly Guid ForgedGuid = Guid.Parse("0190a2b3-c4d5-7e6f-8081-92a3b4c5d6e7");

    private IEnumerable<(string Label, string Value)> PathValues(string name)
    {
        // Values are inserted as they are: the labelled ones are already percent-encoded on purpose.
        var real = _realIds.GetValueOrDefault(name);
        if (real is not null)
        {
            yield return ("own id", Uri.EscapeDataString(real));
        }

        var prefix = real is not null && real.IndexOf('_', StringComparison.Ordinal) is > 0 and var at ? real[..(at + 1)] : "";
        var guid = ForgedGuid;
        yield return ("unknown id of the right shape", prefix + guid.ToString("N"));
        yield return ("other prefix", (prefix == "pay_" ? "mer_" : "pay_") + guid.ToString("N"));
        yield return ("bare GUID", guid.ToString());
        yield return ("upper-case id", (prefix + guid.ToString("N")).ToUpperInvariant());
        yield return ("prefix only", prefix.Length > 0 ? prefix : "x_");
        yield return ("id with a suffix", Uri.EscapeDataString((real ?? "x") + "'\"<>"));
        yield return ("empty", "");
        yield return ("garbage", "garbage");
        yield return ("huge", new string('9', 5_000));
        yield return ("huge number", "99999999999999999999999999");
        yield return ("negative", "-1");
        // Kestrel refuses this request line with a 400 before the app (the in-process test server cannot even carry it).
        yield return ("encoded NUL", "%00");

        yield return ("dot-dot", "..");
        yield return ("encoded traversal", "%2e%2e%2f%2e%2e%2fetc%2fpasswd");
        yield return ("encoded slash", "a%2Fb");
        yield return ("fullwidth prefix", Uri.EscapeDataString("ｐａｙ_" + guid.ToString("N")));
        yield return ("emoji", Uri.EscapeDataString("💳🧨"));
        yield return ("invalid UTF-8", "%C3%28%FF%ED%A0%80");
        yield return ("null", "null");
    }

    private static IEnumerable<(string Label, string Value)> QueryValues()
    {
        yield return ("empty", "");
        yield return ("zero", "0");
        yield return ("negative", "-1");
        yield return ("huge number", "99999999999999999999");
        yield return ("long max", "9223372036854775807");
        yield return ("exponent", "1e400");
        yield return ("fraction", "1.5");
        yield return ("word", "abc");
        yield return ("fullwidth digits", Uri.EscapeDataString("１０"));
        yield return ("Arabic-Indic digits", Uri.EscapeDataString("٣١٤"));
        yield return ("5000 characters", new string('a', 5_000));
        yield return ("emoji", Uri.EscapeDataString("💳🧨"));
        yield return ("encoded NUL", "%00");
        yield return ("invalid UTF-8", "%C3%28%FF%ED%A0%80");
        yield return ("base64 garbage", "eyJhIjoxfQ%3D%3D.c2ln");
        yield return ("forged id", new MerchantId(ForgedGuid).ToString());
        yield return ("SQL", Uri.EscapeDataString("' OR 1=1 --"));
        yield return ("wildcard", "%25");
    }

    // ---------------------------------------------------------------- building

    private static FuzzRequest Request(ApiOperation op, string url, string mutation, (byte[]? Body, string? ContentType) content, IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        new(op, url, mutation, content.Body, content.ContentType, headers ?? []);

    private string Url(ApiOperation op, Func<string, string?> pathValue, string? query)
    {
        var path = op.Template;
        foreach (var name in op.PathParameters)
        {
            var value = pathValue(name) ?? (_realIds.TryGetValue(name, out var real) ? Uri.EscapeDataString(real) : "unknown");
            path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return query is null ? path : $"{path}?{query}";
    }

    private static IEnumerable<(string Name, JsonObject Schema)> Properties(JsonObject schema) =>
        schema["properties"] is JsonObject properties ? properties.Select(p => (p.Key, p.Value!.AsObject())) : [];

    private static HashSet<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private JsonObject BaseBody(JsonObject schema)
    {
        var body = new JsonObject();
        foreach (var (name, propertySchema) in Properties(schema))
        {
            body[name] = _validValues.TryGetValue(name, out var valid) ? valid.DeepClone() : Sample(propertySchema);
        }

        return body;
    }

    private static JsonNode? Sample(JsonObject schema)
    {
        var types = Types(schema);
        return types switch
        {
            _ when types.Contains("string") => "fuzz",
            _ when types.Contains("integer") || types.Contains("number") => 1,
            _ when types.Contains("boolean") => true,
            _ when types.Contains("array") => new JsonArray(schema["items"] is JsonObject items ? Sample(items) : null),
            _ when types.Contains("object") => new JsonObject { ["key"] = "value" },
            _ => null,
        };
    }

    private static (byte[]? Body, string? ContentType) Encode(JsonObject body) => (Encoding.UTF8.GetBytes(body.ToJsonString()), Json);

    /// <summary>The body with one property's value replaced by raw JSON text (not validated: it may be broken on purpose), or removed when null.</summary>
    private static (byte[]? Body, string? ContentType) Encode(JsonObject body, string property, string? raw) => Encode(body, new Dictionary<string, string?> { [property] = raw });

    private static (byte[]? Body, string? ContentType) Encode(JsonObject body, Dictionary<string, string?> replaced)
    {
        var members = new List<string>();
        foreach (var (name, value) in body)
        {
            if (!replaced.TryGetValue(name, out var raw))
            {
                members.Add($"{JsonString(name, false)}:{value?.ToJsonString() ?? "null"}");
            }
            else if (raw is not null)
            {
                members.Add($"{JsonString(name, false)}:{raw}");
            }
        }

        return (Encoding.UTF8.GetBytes("{" + string.Join(',', members) + "}"), Json);
    }

    /// <summary>A JSON string literal written by hand, so that lone surrogates survive as \uXXXX escapes (a serializer would replace them).</summary>
    private static string JsonString(string text, bool escapeNonAscii)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < 0x20 || (char.IsSurrogate(c) && !paired && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))) || (escapeNonAscii && c > 0x7E))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    private static string Padded(string json, int bytes) =>
        json.Length > 2 ? $"{{\"padding\":\"{new string('p', bytes)}\",{json[1..]}" : $"{{\"padding\":\"{new string('p', bytes)}\"}}";

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
