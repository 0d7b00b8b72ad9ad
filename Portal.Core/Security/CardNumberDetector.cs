using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portal.Core.Security;

/// <summary>
/// Finds anything that could be a card number (a PAN), however it is spelled, so that no stored text ever holds one: 13 to
/// 19 digits passing the Luhn check, where
/// <list type="bullet">
/// <item>a digit is any script's digit, not only 0-9 ("４１１１", "٤١١١", superscripts, circled digits);</item>
/// <item>digits may be grouped by up to <see cref="MaxSeparatorRun"/> separators of any kind (spaces, dots, underscores,
/// slashes, dashes, punctuation), and invisible characters (zero-width spaces, soft hyphens, combining marks) are ignored;</item>
/// <item>letters around a number do not hide it ("A4111111111111111", "4111111111111111x").</item>
/// </list>
/// A number is the digits of one or more whole groups: a 20-digit run with no separators is an order number or a timestamp,
/// not a PAN. The only exemption: the digits of a whole token shaped like an id (a UUID, a 32-hex id, or one of
/// <see cref="IdPrefixes"/> followed by a 32-hex or base62 id) belong to that id and are never part of a card number, so
/// neither a random id nor ids listed side by side are ever refused. A "base62" id with 13 digits in a row is not an id
/// (a random one has that about once in ten billion, a PAN hidden behind a prefix always).
/// </summary>
public static class CardNumberDetector
{
    private const int MinDigits = 13;
    private const int MaxDigits = 19;

    /// <summary>More separators than this between two digits end a number: "4111 / 1111" is one number, a sentence is not.</summary>
    public const int MaxSeparatorRun = 3;

    /// <summary>The prefixes of the ids this portal and its processors issue: our own (mer_, pay_, re_, evt_, we_, wd_, key_, sbx_, dp_) and Stripe's.</summary>
    public static readonly IReadOnlySet<string> IdPrefixes = new HashSet<string>(StringComparer.Ordinal)
    {
        "mer", "pay", "re", "evt", "we", "wd", "key", "sbx", "dp",
        "pm", "pi", "ch", "py", "tok", "src", "cus", "card", "ba", "seti", "cs", "in", "ii", "sub", "txn", "po", "tr", "acct", "prod", "price", "du",
    };

    /// <summary>Scans every string, number and property name of a JSON document (escapes decoded). Invalid JSON is scanned as text.</summary>
    public static bool ContainsCardNumber(ReadOnlySpan<byte> utf8Json) => FieldWithCardNumber(utf8Json) is not null;

    /// <summary>
    /// The field holding a card number (<c>metadata.note</c>; <c>""</c> for the document itself or invalid JSON), or null if none
    /// does. A property name holding one is reported as its object's field, so the answer never spells the number.
    /// </summary>
    public static string? FieldWithCardNumber(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            foreach (var text in JsonTexts.Read(utf8Json))
            {
                if (ContainsCardNumber(text.Text))
                {
                    return text.Field;
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return ContainsCardNumber(Encoding.UTF8.GetString(utf8Json)) ? "" : null;
        }
    }

    public static bool ContainsCardNumber(ReadOnlySpan<char> text)
    {
        var number = new NumberRun();
        var idEnd = -1; // the end of the exempt id being read: a candidate holding any digit of one is not a card number
        var i = 0;
        while (i < text.Length)
        {
            // An id may follow a dash or underscore ("merchant-<32 hex>@example.com", "x_pay_…"): try each start after one.
            if (char.IsAsciiLetterOrDigit(text[i]) && (i == 0 || !char.IsAsciiLetterOrDigit(text[i - 1])))
            {
                var end = i + 1;
                while (end < text.Length && IsIdChar(text[end]))
                {
                    end++;
                }

                if (IsExemptId(text[i..end]))
                {
                    idEnd = end;
                }
            }

            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var length) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                length = 1;
            }

            var found = Classify(rune) switch
            {
                Kind.Digit => number.Digit(DigitValue(rune), inId: i < idEnd),
                Kind.Separator => number.Separator(),
                Kind.Ignorable => false,
                _ => number.End(),
            };
            if (found)
            {
                return true;
            }

            i += length;
        }

        return number.End();
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

    /// <summary>A whole token shaped like an id this portal or a processor issues (see the class summary).</summary>
    public static bool IsExemptId(ReadOnlySpan<char> token)
    {
        if (IsUuid(token) || IsHex32(token))
        {
            return true;
        }

        var underscore = token.IndexOf('_');
        if (underscore < 1 || !IdPrefixes.Contains(token[..underscore].ToString()))
        {
            return false;
        }

        var body = token[(underscore + 1)..];
        return IsHex32(body) || (body.Length is >= 8 and <= 64 && IsBase62(body) && LongestDigitRun(body) < MinDigits);
    }

    private enum Kind
    {
        Digit,
        Separator,
        Ignorable,
        Breaker,
    }

    private static Kind Classify(Rune rune)
    {
        if (DigitValue(rune) >= 0)
        {
            return Kind.Digit;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            // Letters and numbers that are not digits end a number.
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
                or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber or UnicodeCategory.DecimalDigitNumber => Kind.Breaker,
            // Invisible: zero-width spaces and joiners, soft hyphens, direction marks, combining marks and keycaps.
            UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark => Kind.Ignorable,
            // Spaces, punctuation, symbols, controls (tabs, new lines), and anything unassigned.
            _ => Kind.Separator,
        };
    }

    /// <summary>0-9 for a digit of any script (decimal digits, superscripts, circled digits, Roman numerals up to nine), otherwise -1.</summary>
    private static int DigitValue(Rune rune)
    {
        if (rune.IsAscii)
        {
            return char.IsAsciiDigit((char)rune.Value) ? rune.Value - '0' : -1;
        }

        if (Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.DecimalDigitNumber or UnicodeCategory.OtherNumber or UnicodeCategory.LetterNumber))
        {
            return -1;
        }

        var value = Rune.GetNumericValue(rune);
        return value is >= 0 and <= 9 && value == Math.Floor(value) ? (int)value : -1;
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private static bool IsHex32(ReadOnlySpan<char> token) => token.Length == 32 && !token.ContainsAnyExcept(HexDigits);

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static bool IsBase62(ReadOnlySpan<char> token)
    {
        foreach (var c in token)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>8-4-4-4-12 hex digits, whatever its version: ids from other systems are not always RFC 9562 UUIDs.</summary>
    private static bool IsUuid(ReadOnlySpan<char> token) => token.Length == 36 && Guid.TryParseExact(token, "D", out _);

    private static int LongestDigitRun(ReadOnlySpan<char> token)
    {
        int longest = 0, run = 0;
        foreach (var c in token)
        {
            run = char.IsAsciiDigit(c) ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }

    /// <summary>
    /// The digits of the current number and where its groups start. Each time a group closes, every candidate ending there
    /// (starting at an earlier group's start, 13 to 19 digits long) is checked, so only the last 19 digits need keeping.
    /// </summary>
    private struct NumberRun
    {
        private const int Capacity = 64;
        private int[]? _digits;
        private bool[]? _inId;
        private int[]? _groupStarts;
        private int _count;
        private int _groups;
        private int _separators;

        public bool Digit(int value, bool inId)
        {
            _digits ??= new int[Capacity];
            _inId ??= new bool[Capacity];
            _groupStarts ??= new int[Capacity];
            var found = false;
            if (_count == 0 || _separators > 0)
            {
                found = _count > 0 && GroupClosed();
                StartGroup();
            }

            if (_count == Capacity)
            {
                Shift();
            }

            _inId[_count] = inId;
            _digits[_count++] = value;
            _separators = 0;
            return found;
        }

        public bool Separator()
        {
            if (_count == 0)
            {
                return false;
            }

            return ++_separators > MaxSeparatorRun && End();
        }

        public bool End()
        {
            var found = _count > 0 && GroupClosed();
            _count = 0;
            _groups = 0;
            _separators = 0;
            return found;
        }

        private readonly bool GroupClosed()
        {
            for (var g = _groups - 1; g >= 0; g--)
            {
                var length = _count - _groupStarts![g];
                if (length > MaxDigits)
                {
                    break;
                }

                var start = _groupStarts[g];
                if (length >= MinDigits && !_inId.AsSpan(start, length).Contains(true) && Luhn(_digits.AsSpan(start, length)))
                {
                    return true;
                }
            }

            return false;
        }

        private void StartGroup()
        {
            if (_groups == Capacity)
            {
                Shift();
            }

            _groupStarts![_groups++] = _count;
        }

        /// <summary>Keeps the last <see cref="MaxDigits"/> digits and the groups starting within them; older ones can no longer be part of a number.</summary>
        private void Shift()
        {
            var drop = Math.Max(0, _count - MaxDigits);
            Array.Copy(_digits!, drop, _digits!, 0, _count - drop);
            Array.Copy(_inId!, drop, _inId!, 0, _count - drop);
            _count -= drop;
            var kept = 0;
            for (var g = 0; g < _groups; g++)
            {
                if (_groupStarts![g] >= drop)
                {
                    _groupStarts[kept++] = _groupStarts[g] - drop;
                }
            }

            _groups = kept;
        }
    }
}
