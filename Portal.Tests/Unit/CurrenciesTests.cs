using Portal.Core;

namespace Portal.Tests.Unit;

/// <summary>Minor units per currency (<see cref="Currencies"/>): the one place screens, e-mails and evidence packs read them from.</summary>
public sealed class CurrenciesTests
{
    [Theory]
    [InlineData("ngn", 2, 100)]
    [InlineData("USD", 2, 100)]
    [InlineData("jpy", 0, 1)]
    [InlineData("kwd", 3, 1000)]
    [InlineData("xyz", 2, 100)]
    [InlineData(null, 2, 100)]
    public void Each_currency_has_its_own_minor_units(string? currency, int digits, long perMajor)
    {
        Currencies.MinorDigits(currency).ShouldBe(digits);
        Currencies.MinorPerMajor(currency).ShouldBe(perMajor);
    }

    [Theory]
    [InlineData(125000L, "ngn", "NGN 1,250.00")]
    [InlineData(1500L, "jpy", "JPY 1,500")]
    [InlineData(1250L, "kwd", "KWD 1.250")]
    [InlineData(-7L, "usd", "USD -0.07")]
    public void Plain_text_has_the_code_and_exact_digits(long minor, string currency, string expected) =>
        Currencies.Format(new Money(minor, currency)).ShouldBe(expected);
}
