using System.Text;
using System.Text.Json;
using Portal.Core.Security;

namespace Portal.Tests.Unit.Security;

public sealed class JsonTextsTests
{
    private static List<JsonText> Read(string json) => JsonTexts.Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Each_text_is_named_by_the_field_clients_send()
    {
        var texts = Read("""{"a": "x", "owners": [{"name": "Ada"}, {"name": 7}], "metadata": {"note": "n"}, "flags": [true, "t"]}""");

        texts.Where(t => t.Text is "x" or "Ada" or "7" or "n" or "t").Select(t => (t.Field, t.Text)).ShouldBe(
            [("a", "x"), ("owners[0].name", "Ada"), ("owners[1].name", "7"), ("metadata.note", "n"), ("flags[1]", "t")]);
        texts.Single(t => t.Text == "note").Field.ShouldBe("metadata");
    }

    [Theory]
    [InlineData("""{"a": "\ud800"}""", "a")]
    [InlineData("""{"a": {"b\udfff": 1}}""", "a")]
    [InlineData("""["ok", "\udc00\ud800"]""", "[1]")]
    [InlineData("\"\\ud800\"", "")]
    public void A_lone_surrogate_is_not_valid_unicode(string json, string field) =>
        Read(json).Single(t => !t.IsValidUnicode).Field.ShouldBe(field);

    [Fact]
    public void A_surrogate_pair_is_valid_unicode() => Read("""{"a": "\ud83d\ude00"}""").ShouldAllBe(t => t.IsValidUnicode);

    [Fact]
    public void Bytes_that_are_not_utf8_are_not_valid_unicode()
    {
        byte[] json = [.. "{\"a\": \"x"u8, 0xFF, .. "\"}"u8];

        JsonTexts.Read(json).Single(t => !t.IsValidUnicode).Field.ShouldBe("a");
    }

    [Fact]
    public void A_card_number_used_as_a_property_name_never_appears_in_a_field()
    {
        var texts = Read("""{"metadata": {"4111 1111 1111 1111": {"x": "\ud800"}}}""");

        texts.ShouldAllBe(t => !t.Field.Contains("1111", StringComparison.Ordinal));
        texts.Single(t => !t.IsValidUnicode).Field.ShouldBe("metadata.*.x");
    }

    [Fact]
    public void Broken_json_throws() => Should.Throw<JsonException>(() => Read("""{"a": """));
}
