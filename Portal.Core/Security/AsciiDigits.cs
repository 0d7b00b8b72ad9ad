using System.Globalization;

namespace Portal.Core.Security;

/// <summary>
/// Numbers and numeric identifiers as the portal accepts them: ASCII digits 0 to 9 and nothing else. .NET's <c>\d</c>
/// and <c>char.IsDigit</c> also match Arabic-Indic, Devanagari, fullwidth and every other script's digits, so "１２３４５６"
/// would pass as a second spelling of CAC number 123456; the default <c>int.TryParse</c> also takes signs and spaces.
/// </summary>
public static class AsciiDigits
{
    /// <summary>Exactly <paramref name="length"/> ASCII digits.</summary>
    public static bool Are(string? value, int length) => value is not null && value.Length == length && value.All(char.IsAsciiDigit);

    /// <summary>A non-negative whole number written only in ASCII digits: no sign, no spaces, no separators.</summary>
    public static bool TryParse(string? value, out int number) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number);

    /// <inheritdoc cref="TryParse(string?, out int)"/>
    public static bool TryParse(string? value, out long number) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number);
}
