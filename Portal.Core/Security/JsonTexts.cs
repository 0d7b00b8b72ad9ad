using System.Text;
using System.Text.Json;

namespace Portal.Core.Security;

/// <summary>One piece of text in a JSON document: a string value, a number as written, or a property name (whose field is its object's).</summary>
/// <param name="Field">Where it is, as clients name fields: <c>metadata.note</c>, <c>owners[0].name</c>; <c>""</c> for the document itself.</param>
/// <param name="Text">The decoded text; when it is not valid Unicode, the raw token with bad bytes replaced (so it can still be scanned).</param>
/// <param name="IsValidUnicode">False for a lone UTF-16 surrogate escape ("\ud800") or bytes that are not UTF-8.</param>
public readonly record struct JsonText(string Field, string Text, bool IsValidUnicode);

/// <summary>
/// Lists every property name, string and number of a JSON document with the field it belongs to, for the checks that must
/// see a request body whole before anything binds, logs or stores it (invalid Unicode, card numbers). A property name that
/// holds a card number is never spelled in a field path, so naming a field can never echo one.
/// </summary>
public static class JsonTexts
{
    /// <summary>The texts in document order. Throws <see cref="JsonException"/> when the document is not JSON.</summary>
    public static List<JsonText> Read(ReadOnlySpan<byte> utf8Json)
    {
        var texts = new List<JsonText>();
        // Over a single span, so every token's ValueSpan is the whole token.
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        var containers = new List<Container>();
        string? name = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var property = Decode(ref reader, Path(containers, null));
                    texts.Add(property);
                    name = property.IsValidUnicode && !CardNumberDetector.ContainsCardNumber(property.Text) ? property.Text : "*";
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    containers.Add(new Container(Path(containers, NextSegment(containers, name)), reader.TokenType == JsonTokenType.StartArray));
                    name = null;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    containers.RemoveAt(containers.Count - 1);
                    break;
                case JsonTokenType.String:
                    texts.Add(Decode(ref reader, Path(containers, NextSegment(containers, name))));
                    name = null;
                    break;
                case JsonTokenType.Number:
                    texts.Add(new JsonText(Path(containers, NextSegment(containers, name)), Encoding.ASCII.GetString(reader.ValueSpan), true));
                    name = null;
                    break;
                default:
                    NextSegment(containers, name);
                    name = null;
                    break;
            }
        }

        return texts;
    }

    private static JsonText Decode(ref Utf8JsonReader reader, string field)
    {
        try
        {
            return new JsonText(field, reader.GetString()!, true);
        }
        catch (InvalidOperationException)
        {
            // GetString refuses a lone surrogate escape or bytes that are not UTF-8; keep the raw token for scanning.
            return new JsonText(field, Encoding.UTF8.GetString(reader.ValueSpan), false);
        }
    }

    /// <summary>The next value's segment: the pending property name in an object, the next index in an array.</summary>
    private static string? NextSegment(List<Container> containers, string? name)
    {
        if (containers.Count == 0 || !containers[^1].IsArray)
        {
            return name;
        }

        var array = containers[^1];
        containers[^1] = array with { NextIndex = array.NextIndex + 1 };
        return $"[{array.NextIndex}]";
    }

    private static string Path(List<Container> containers, string? segment)
    {
        var parent = containers.Count == 0 ? "" : containers[^1].Path;
        return segment is null ? parent
            : segment.StartsWith('[') || parent.Length == 0 ? parent + segment
            : parent + "." + segment;
    }

    private readonly record struct Container(string Path, bool IsArray, int NextIndex = 0);
}
