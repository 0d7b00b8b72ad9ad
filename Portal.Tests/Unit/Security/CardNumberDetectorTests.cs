using System.Text;
using Portal.Core.Security;

namespace Portal.Tests.Unit.Security;

public sealed class CardNumberDetectorTests
{
    [Theory]
    [InlineData("4111111111111111")]
    [InlineData("card 4111 1111 1111 1111 exp 12/30")]
    [InlineData("5555-5555-5555-4444")]
    [InlineData("pan:378282246310005")]
    [InlineData("ord_4242424242424242")]
    [InlineData("6011111111111117.")]
    public void Finds_card_numbers_standing_on_their_own(string text) => CardNumberDetector.ContainsCardNumber(text).ShouldBeTrue();

    [Theory]
    [InlineData("4111111111111112")] // fails Luhn
    [InlineData("41111111111111111111")] // 20 digits: not a PAN
    [InlineData("411111111111")] // 12 digits
    [InlineData("3fa4111111111111111b")] // inside a hex token
    [InlineData("x4111111111111111")]
    [InlineData("4111111111111111y")]
    [InlineData("4111  1111 1111 1111")] // two spaces break the grouping: runs of 4
    public void Leaves_everything_else_alone(string text) => CardNumberDetector.ContainsCardNumber(text).ShouldBeFalse();

    [Theory]
    [InlineData("""{"payment_method": "4242424242424242"}""")]
    [InlineData("""{"metadata": {"n": 4000056655665556}}""")]
    [InlineData("""{"customer_id": "\u0034\u0032\u0034\u0032424242424242"}""")]
    [InlineData("""{"4242424242424242": "as a property name"}""")]
    [InlineData("""{"broken": "4242424242424242" """)]
    public void Scans_every_json_string_number_and_name(string json) => CardNumberDetector.ContainsCardNumber(Encoding.UTF8.GetBytes(json)).ShouldBeTrue();

    [Fact]
    public void Random_hex_ids_are_never_taken_for_card_numbers()
    {
        var random = new Random(20261125);
        var bytes = new byte[16];
        for (var i = 0; i < 100_000; i++)
        {
            random.NextBytes(bytes);
            var id = Convert.ToHexStringLower(bytes);
            CardNumberDetector.ContainsCardNumber(id).ShouldBeFalse(id);
        }
    }
}
