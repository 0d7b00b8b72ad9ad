using System.Text;
using System.Text.Json;

namespace Portal.Core.Security;

/// <summary>
/// Finds anything that looks like a card number (a PAN): 13 to 19 digits, optionally grouped by single spaces or dashes,
/// that pass the Luhn check, standing on their own (not glued to letters or digits on either side). The portal never
/// accepts card data, so a request carrying one is refused before it is parsed, logged or stored. A longer digit run is
/// not a PAN (order numbers, timestamps), and a run inside a token such as a hex id ("3f41111111111111111a") is part of
/// that token: without this rule about one random 32-hex id in 250 would be refused.
/// </summary>
public static class CardNumberDetector
{
    private const int MinDigits = 13;
    private const int MaxDigits = 19;

    /// <summary>Scans every string, number and property name of a JSON document (escapes decoded). Invalid JSON is scanned as text.</summary>
    public static bool ContainsCardNumber(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName or JsonTokenType.Number && Matches(ref reader))
                {
                    return true;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return ContainsCardNumber(Encoding.UTF8.GetString(utf8Json));
        }
    }

    public static bool ContainsCardNumber(ReadOnlySpan<char> text)
    {
        Span<int> digits = stackalloc int[MaxDigits + 1];
        var count = 0;
        var previousWasSeparator = false;
        var standsAlone = true;
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : '\0';
            if (char.IsAsciiDigit(c))
            {
                if (count == 0)
                {
                    standsAlone = i == 0 || !char.IsAsciiLetter(text[i - 1]);
                }

                if (count <= MaxDigits)
                {
                    digits[Math.Min(count, MaxDigits)] = c - '0';
                }

                count++;
                previousWasSeparator = false;
                continue;
            }

            // A single space or dash between digits keeps the run going ("4111 1111 1111 1111", "4111-1111-...").
            if ((c is ' ' or '-') && count > 0 && !previousWasSeparator && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))
            {
                previousWasSeparator = true;
                continue;
            }

            if (count is >= MinDigits and <= MaxDigits && standsAlone && !char.IsAsciiLetter(c) && Luhn(digits[..count]))
            {
                return true;
            }

            count = 0;
            previousWasSeparator = false;
        }

        return false;
    }

    public static bool Luhn(ReadOnlySpan<int> digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i];
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    private static bool Matches(ref Utf8JsonReader reader) =>
        ContainsCardNumber(reader.TokenType == JsonTokenType.Number ? Encoding.ASCII.GetString(reader.ValueSpan) : reader.GetString());
}
