using Portal.Core.Security;

namespace Portal.Tests.Unit.Security;

public sealed class MaskingTests
{
    [Theory]
    [InlineData("jane.doe@example.com", "j***@example.com")]
    [InlineData("@example.com", "***")]
    [InlineData("not-an-email", "***")]
    [InlineData("", "")]
    public void Email_keeps_only_the_first_letter_and_domain(string input, string expected) => Masking.Email(input).ShouldBe(expected);

    [Theory]
    [InlineData("0123456789", "******6789")]
    [InlineData("123", "***")]
    public void Tail_keeps_the_last_four(string input, string expected) => Masking.Tail(input).ShouldBe(expected);
}
