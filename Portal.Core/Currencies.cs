using System.Globalization;

namespace Portal.Core;

/// <summary>
/// What the portal knows about a currency: how many minor units its amounts carry (ISO 4217: NGN has 100 kobo to the naira,
/// JPY none, KWD 1,000 fils), and how it reads in plain text. One place, used by the screens, e-mails and evidence packs.
/// </summary>
public static class Currencies
{
    /// <summary>ISO 4217 currencies without minor units (the amount is whole units).</summary>
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase) { "bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf" };

    /// <summary>ISO 4217 currencies with three decimals (1,000 minor units).</summary>
    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd" };

    /// <summary>Digits after the decimal point: 0, 2 (most, NGN included) or 3.</summary>
    public static int MinorDigits(string? currency) => ZeroDecimal.Contains(currency ?? "") ? 0 : ThreeDecimal.Contains(currency ?? "") ? 3 : 2;

    /// <summary>Minor units per major unit: 1, 100 or 1,000.</summary>
    public static long MinorPerMajor(string? currency) => MinorDigits(currency) switch { 0 => 1, 3 => 1000, _ => 100 };

    /// <summary>The amount as digits with group separators and the currency's own decimals ("1,250.00"), exactly (no floating point).</summary>
    public static string FormatAmount(long minor, string? currency)
    {
        var digits = MinorDigits(currency);
        var per = (ulong)MinorPerMajor(currency);
        var sign = minor < 0 ? "-" : "";
        var magnitude = minor == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(minor);
        var whole = (magnitude / per).ToString("#,0", CultureInfo.InvariantCulture);
        return digits == 0 ? sign + whole : sign + whole + "." + (magnitude % per).ToString(new string('0', digits), CultureInfo.InvariantCulture);
    }

    /// <summary>Plain text for e-mails and documents: "NGN 1,250.00", "JPY 1,500", "KWD 1.250".</summary>
    public static string Format(Money money) => $"{money.Currency.ToUpperInvariant()} {FormatAmount(money.Minor, money.Currency)}";
}
