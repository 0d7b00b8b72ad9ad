using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Portal.Core.Adapters.Aws;

/// <summary>Attribute helpers shared by the DynamoDB adapters: keys, strings, numbers and times (UTC ticks as numbers).</summary>
internal static class DynamoItems
{
    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { ["pk"] = Text(pk), ["sk"] = Text(sk) };

    public static AttributeValue Text(string value) => new() { S = value };

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    // Absent rather than NULL: a Put replaces the whole item, so clearing a field is leaving it out.
    public static void SetOptional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = Text(value);
        }
    }

    public static string? OptionalText(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var value) ? value.S : null;

    public static long Long(AttributeValue value) => long.Parse(value.N, CultureInfo.InvariantCulture);

    public static DateTimeOffset Time(AttributeValue ticks) => new(Long(ticks), TimeSpan.Zero);
}
