using System.Globalization;

namespace Portal.Components.Shared;

/// <summary>
/// Money on screen: an amount in integer minor units and a lower-case ISO 4217 code, as "$12.34", "€12.34", "£12.34",
/// or "12.34 XYZ" for a currency without a symbol here. Never a float on the way.
/// </summary>
public static class Money
{
    private static readonly Dictionary<string, string> Symbols = new(StringComparer.OrdinalIgnoreCase)
    {
        ["usd"] = "$",
        ["eur"] = "€",
        ["gbp"] = "£",
    };

    /// <summary>ISO 4217 currencies without minor units (the amount is whole units).</summary>
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase) { "jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof" };

    public static int Decimals(string currency) => ZeroDecimal.Contains(currency ?? "") ? 0 : 2;

    public static string Format(long minor, string currency)
    {
        currency ??= "";
        var digits = Decimals(currency);
        var sign = minor < 0 ? "-" : "";
        var magnitude = minor == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(minor);
        var divisor = digits == 0 ? 1UL : 100UL;
        var whole = (magnitude / divisor).ToString("#,0", CultureInfo.InvariantCulture);
        var text = digits == 0 ? whole : $"{whole}.{magnitude % divisor:00}";
        return Symbols.TryGetValue(currency, out var symbol)
            ? $"{sign}{symbol}{text}"
            : $"{sign}{text} {currency.ToUpperInvariant()}";
    }

    /// <summary>A decimal typed by a person ("12.34") as minor units, or null when it has more decimals than the currency allows.</summary>
    public static long? ToMinor(decimal major, string currency)
    {
        var factor = Decimals(currency) == 0 ? 1m : 100m;
        var scaled = major * factor;
        return scaled == decimal.Truncate(scaled) && scaled is >= long.MinValue and <= long.MaxValue ? (long)scaled : null;
    }

    /// <summary>Minor units as the decimal a person would type (1234 → 12.34).</summary>
    public static decimal ToMajor(long minor, string currency) => Decimals(currency) == 0 ? minor : minor / 100m;
}
