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
    [InlineData("4111.1111.1111.1111")]
    [InlineData("4111_1111_1111_1111")]
    [InlineData("4111/1111/1111/1111")]
    [InlineData("4111  1111   1111 1111")] // repeated spaces
    [InlineData("4111 - 1111 - 1111 - 1111")]
    [InlineData("4111\t1111\n1111\u00A01111")]
    [InlineData("４１１１１１１１１１１１１１１１")] // fullwidth
    [InlineData("٤١١١١١١١١١١١١١١١")] // Arabic-Indic
    [InlineData("४१११११११११११११११")] // Devanagari
    [InlineData("4111 ११११ ١١١١ 1111")] // mixed scripts
    [InlineData("\U0001D7D2\U0001D7CF\U0001D7CF\U0001D7CF111111111111")] // mathematical bold digits (outside the BMP)
    [InlineData("4\u200B111111111111111")] // zero-width space
    [InlineData("41\u00AD11111111111111")] // soft hyphen
    [InlineData("A4111111111111111")] // glued to a letter
    [InlineData("x4111111111111111")]
    [InlineData("4111111111111111y")]
    [InlineData("3fa4111111111111111b")] // not an id shape
    [InlineData("pay_4111111111111111")] // a known prefix does not make a PAN an id
    [InlineData("order 12 4111111111111111 09")]
    [InlineData("12345678901234567890123 4111111111111111")] // a long run before does not hide it
    public void Finds_card_numbers_however_they_are_spelled(string text) => CardNumberDetector.ContainsCardNumber(text).ShouldBeTrue();

    [Theory]
    [InlineData("4111111111111112")] // fails Luhn
    [InlineData("41111111111111111111")] // 20 digits in one run: not a PAN
    [InlineData("411111111111")] // 12 digits
    [InlineData("4111 1111 1111    1111")] // four separators end the number
    [InlineData("pay_0190d8a7c2b14ef4111111111111111a")] // our own id (prefix + 32 hex) holding a Luhn-valid run
    [InlineData("0190d8a7c2b14ef4111111111111111a")] // a 32-hex id holding one
    [InlineData("41111111-1111-1111-8111-111111111111")] // a UUID whose first groups spell one
    [InlineData("merchant-0190d8a7c2b14ef4111111111111111a@test.local")] // a 32-hex id after a dash, in an email address
    [InlineData("order_0190d8a7c2b14ef4111111111111111a")] // and after an underscore
    [InlineData("pi_3MtwBwLkdIwHu7ix28a3tqPa")]
    [InlineData("b47453fc-c876-ce91-0467-0d66a14345d2, 01966115-5935-77c4-a26d-0d1ed01408e3")] // ids side by side
    [InlineData("+234 803 123 4567")] // 13 digits, not Luhn-valid
    [InlineData("Refund for order 5521, customer called on 2026-11-30")]
    public void Leaves_everything_else_alone(string text) => CardNumberDetector.ContainsCardNumber(text).ShouldBeFalse();

    [Theory]
    [InlineData("""{"payment_method": "4242424242424242"}""", "payment_method")]
    [InlineData("""{"metadata": {"n": 4000056655665556}}""", "metadata.n")]
    [InlineData("""{"customer_id": "\u0034\u0032\u0034\u0032424242424242"}""", "customer_id")]
    [InlineData("""{"metadata": {"4242424242424242": "as a property name"}}""", "metadata")]
    [InlineData("""{"items": [{"note": "ok"}, {"note": "４２４２４２４２４２４２４２４２"}]}""", "items[1].note")]
    [InlineData("""{"broken": "4242424242424242" """, "")]
    public void Names_the_json_field_holding_one(string json, string field) =>
        CardNumberDetector.FieldWithCardNumber(Encoding.UTF8.GetBytes(json)).ShouldBe(field);

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
