using Portal.Core;

namespace Portal.Components.Shared;

/// <summary>
/// Money on screen: an amount in integer minor units and a lower-case ISO 4217 code, as "₦1,250.00", "$12.34", "€12.34",
/// "£12.34", or "12.34 XYZ" for a currency without a symbol here, each with its own minor units (<see cref="Currencies"/>).
/// Never a float on the way.
/// </summary>
public static class Money
{
    private static readonly Dictionary<string, string> Symbols = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ngn"] = "₦",
        ["usd"] = "$",
        ["eur"] = "€",
        ["gbp"] = "£",
    };

    /// <summary>Digits after the decimal point for this currency (<see cref="Currencies.MinorDigits"/>).</summary>
    public static int Decimals(string currency) => Currencies.MinorDigits(currency);

    public static string Format(long minor, string currency)
    {
        currency ??= "";
        var text = Currencies.FormatAmount(minor, currency);
        return Symbols.TryGetValue(currency, out var symbol)
            ? text.StartsWith('-') ? "-" + symbol + text[1..] : symbol + text
            : $"{text} {currency.ToUpperInvariant()}";
    }

    /// <summary>A decimal typed by a person ("12.34") as minor units, or null when it has more decimals than the currency allows.</summary>
    public static long? ToMinor(decimal major, string currency)
    {
        var scaled = major * Currencies.MinorPerMajor(currency);
        return scaled == decimal.Truncate(scaled) && scaled is >= long.MinValue and <= long.MaxValue ? (long)scaled : null;
    }

    /// <summary>Minor units as the decimal a person would type (1234 → 12.34).</summary>
    public static decimal ToMajor(long minor, string currency) => (decimal)minor / Currencies.MinorPerMajor(currency);

    /// <summary>The input format for a typed amount of this currency: "0", "0.00" or "0.000".</summary>
    public static string InputFormat(string currency) => Decimals(currency) == 0 ? "0" : "0." + new string('0', Decimals(currency));
}
