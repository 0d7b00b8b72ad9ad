using System.Globalization;
using System.Text;
using CsCheck;
using Portal.Core.Security;

namespace Portal.Tests.Unit.Security;

/// <summary>
/// Random spellings of card numbers are always found; random ids of the exempt shapes never are. The last test measures how
/// often ordinary text that holds no card number is refused anyway (the price of finding every spelling).
/// </summary>
public sealed class CardNumberPropertyTests
{
    /// <summary>The zero of each script (consecutive digits follow it), ASCII and fullwidth to mathematical digits outside the BMP.</summary>
    private static readonly int[] Zeros =
        ['0', 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810,
         0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6];

    private static readonly string[] Separators =
        [" ", ".", "_", "/", "-", "\\", ",", ":", ";", "\u00A0", "\t", "\n", "\u2009", "\u3000", "\u00B7", "\u2013", "\u2014", "*", "#", "|", "+", "'", "\"", "(", ")"];

    private static readonly string[] Invisible = ["\u200B", "\u00AD", "\u2060", "\u200D", "\uFEFF", "\u0301", "\uFE0F", "\u20E3"];

    private static readonly string[] Words = ["card", "order", "note", "please refund", "Zahlung", "\u8BA2\u5355", "\u0437\u0430\u043A\u0430\u0437", "ref", "id", "pm", "x"];

    private static readonly string[] Glue = ["", "", " ", "A", "x", "\u00E9", "\u0436", "Z-", "(", "\"", "pan:", "re_", "pay_", "ord_", "ID#", "\u8BA2"];

    private static readonly Gen<string> Gap = Gen.Frequency(
        (6, Gen.Const("")),
        (3, Gen.Int[1, CardNumberDetector.MaxSeparatorRun].SelectMany(n => Gen.OneOf(Separators).Array[n]).Select(string.Concat)),
        (1, Gen.OneOf(Invisible)));

    /// <summary>Letters-only text around the number (digits next to it would make it a different number).</summary>
    private static readonly Gen<string> Text = Gen.OneOf(Words).Array[0, 4].Select(w => string.Join(' ', w));

    private static readonly Gen<string> SpelledCardNumber =
        from length in Gen.Int[13, 19]
        from body in Gen.Int[0, 9].Array[length - 1]
        from zeros in Gen.OneOf(Zeros).Array[length]
        from gaps in Gap.Array[length - 1]
        from before in Gen.OneOf(Glue)
        from after in Gen.OneOf(Glue)
        from head in Text
        from tail in Text
        select $"{head} {before}{Spell(WithCheckDigit(body), zeros, gaps)}{after} {tail}";

    private static readonly string[] Prefixes = [.. CardNumberDetector.IdPrefixes];

    private static readonly Gen<string> Base62 = Gen.Char["0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"].Array[8, 40].Select(c => new string(c));

    private static readonly Gen<string> ExemptId = Gen.OneOf(
        Gen.Guid.Select(g => g.ToString("D")),
        Gen.Guid.Select(g => g.ToString("D").ToUpperInvariant()),
        Gen.Long.Select(ms => Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(Math.Abs(ms % 4_000_000_000_000))).ToString("D")),
        Gen.Byte.Array[16].Select(b => Convert.ToHexStringLower(b)),
        Gen.Byte.Array[16].Select(b => Convert.ToHexString(b)),
        Gen.Select(Gen.OneOf(Prefixes), Gen.Byte.Array[16], (p, b) => p + "_" + Convert.ToHexStringLower(b)),
        Gen.Select(Gen.OneOf(Prefixes), Base62, (p, b) => p + "_" + b));

    [Fact]
    public void Any_card_number_spelled_any_way_inside_any_text_is_found() =>
        SpelledCardNumber.Sample(text => CardNumberDetector.ContainsCardNumber(text), iter: 50_000, print: Escape);

    [Fact]
    public void Ids_of_the_exempt_shapes_are_never_refused() =>
        Gen.Select(ExemptId.Array[1, 5], Gen.OneOf(", ", " ", "; ", " / ", "\n", ":"), (ids, separator) => string.Join(separator, ids))
            .Sample(text => !CardNumberDetector.ContainsCardNumber(text), iter: 50_000);

    [Fact]
    public void Ids_of_the_exempt_shapes_are_never_refused_in_a_json_body() =>
        Gen.Select(ExemptId, ExemptId, ExemptId, (a, b, c) => $$"""{"customer_id": "{{a}}", "order_id": "{{b}}", "metadata": {"{{c}}": "{{a}}"} }""")
            .Sample(json => CardNumberDetector.FieldWithCardNumber(Encoding.UTF8.GetBytes(json)) is null, iter: 20_000);

    /// <summary>
    /// Ordinary values that hold no card number, and how many of each are refused. Ids and short numbers never are; a run
    /// of 13 or more digits (a phone number with its country code, a date with a time) passes the Luhn check one time in ten,
    /// which no detector can tell from a card number.
    /// </summary>
    [Fact]
    public void False_positive_rates_on_text_without_card_numbers()
    {
        var random = new Random(20261202);
        const int samples = 20_000;
        string Digits(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => (char)('0' + random.Next(10))));
        var kinds = new (string Name, Func<string> Make, double Ceiling)[]
        {
            ("uuid", () => Guid.NewGuid().ToString(), 0),
            ("32-hex id", () => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), 0),
            ("prefixed id", () => "pay_" + Guid.CreateVersion7().ToString("N"), 0),
            ("order id ORD-<6-12 digits>", () => "ORD-" + Digits(random.Next(6, 13)), 0),
            ("date 2026-12-02", () => $"20{Digits(2)}-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}", 0),
            ("amount NGN 1,250,000.00", () => $"NGN {random.Next(1, 999):D}{string.Concat(Enumerable.Range(0, random.Next(0, 3)).Select(_ => "," + Digits(3)))}.{Digits(2)}", 0),
            ("sentence with a CAC and a NUBAN", () => $"Checked CAC {Digits(6)} and account {Digits(10)} with the bank.", 0),
            ("local phone 0803 123 4567", () => $"0{Digits(3)} {Digits(3)} {Digits(4)}", 0),
            ("phone +234 803 123 4567", () => $"+234 {Digits(3)} {Digits(3)} {Digits(4)}", 0.13),
            ("date and time 2026-12-02 14:35:09", () => $"2026-{random.Next(1, 13):D2}-{random.Next(1, 29):D2} {random.Next(0, 24):D2}:{random.Next(0, 60):D2}:{random.Next(0, 60):D2}", 0.13),
            ("13-digit reference", () => Digits(13), 0.13),
        };

        var report = new StringBuilder();
        foreach (var (name, make, ceiling) in kinds)
        {
            var refused = Enumerable.Range(0, samples).Count(_ => CardNumberDetector.ContainsCardNumber(make()));
            var rate = (double)refused / samples;
            report.AppendLine(CultureInfo.InvariantCulture, $"{name}: {refused}/{samples} refused ({rate:P2})");
            rate.ShouldBeLessThanOrEqualTo(ceiling, name);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
    }

    /// <summary>The body's digits followed by the Luhn check digit that makes the whole number valid.</summary>
    private static int[] WithCheckDigit(int[] body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            // Counting from the right with the check digit at position 0, the body's last digit is doubled.
            var d = body[body.Length - 1 - i];
            if (i % 2 == 0)
            {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }

            sum += d;
        }

        var number = body.Append((10 - sum % 10) % 10).ToArray();
        CardNumberDetector.Luhn(number).ShouldBeTrue();
        return number;
    }

    private static string Spell(int[] digits, int[] zeros, string[] gaps)
    {
        var text = new StringBuilder();
        for (var i = 0; i < digits.Length; i++)
        {
            text.Append(char.ConvertFromUtf32(zeros[i] + digits[i]));
            if (i < gaps.Length)
            {
                text.Append(gaps[i]);
            }
        }

        return text.ToString();
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}"));
}
