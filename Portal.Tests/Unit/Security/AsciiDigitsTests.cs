using Portal.Core.Security;

namespace Portal.Tests.Unit.Security;

public sealed class AsciiDigitsTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("42", 42)]
    [InlineData("007", 7)]
    public void Ascii_digits_parse(string text, int expected)
    {
        AsciiDigits.TryParse(text, out int number).ShouldBeTrue();
        number.ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("+5")]
    [InlineData("-5")]
    [InlineData("1,000")]
    [InlineData("５")]
    [InlineData("٥")]
    [InlineData("५")]
    [InlineData("5\u200B")]
    [InlineData("99999999999")]
    public void Anything_else_does_not(string text) => AsciiDigits.TryParse(text, out int _).ShouldBeFalse();

    [Theory]
    [InlineData("123456", true)]
    [InlineData("１２３４５６", false)]
    [InlineData("12345", false)]
    [InlineData(null, false)]
    public void Are_counts_ascii_digits_only(string? text, bool expected) => AsciiDigits.Are(text, 6).ShouldBe(expected);
}
