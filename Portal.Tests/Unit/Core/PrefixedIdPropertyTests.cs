using CsCheck;
using Portal.Core;

namespace Portal.Tests.Unit.Core;

/// <summary>Every prefixed id prints one form and parses only that form back (property tests).</summary>
public sealed class PrefixedIdPropertyTests
{
    private static readonly string[] Prefixes =
        [MerchantId.Prefix, PaymentId.Prefix, RefundId.Prefix, PaymentEventId.Prefix, WebhookEndpointId.Prefix, WebhookDeliveryId.Prefix, DisputeId.Prefix];

    // Digits of other scripts (Arabic-Indic, Devanagari, fullwidth), upper-case hex, and characters Guid parsing would skip or accept.
    private static readonly Gen<char> Foreign = Pick(['٣', '७', '３', 'Ａ', 'F', 'g', 'z', '-', '{', '}', ' ', '\t', '\u00a0', '\u200b', '_']);

    private static Gen<T> Pick<T>(T[] items) => Gen.Int[0, items.Length - 1].Select(i => items[i]);

    private static bool Parses(string prefix, string text) => prefix switch
    {
        MerchantId.Prefix => MerchantId.TryParse(text, null, out _),
        PaymentId.Prefix => PaymentId.TryParse(text, null, out _),
        RefundId.Prefix => RefundId.TryParse(text, null, out _),
        PaymentEventId.Prefix => PaymentEventId.TryParse(text, null, out _),
        WebhookEndpointId.Prefix => WebhookEndpointId.TryParse(text, null, out _),
        WebhookDeliveryId.Prefix => WebhookDeliveryId.TryParse(text, null, out _),
        DisputeId.Prefix => DisputeId.TryParse(text, null, out _),
        _ => throw new ArgumentOutOfRangeException(nameof(prefix)),
    };

    [Fact]
    public void Every_id_type_prints_then_parses_back_to_the_same_id()
    {
        Gen.Guid.Sample(g =>
        {
            MerchantId.Parse(new MerchantId(g).ToString(), null).ShouldBe(new MerchantId(g));
            PaymentId.Parse(new PaymentId(g).ToString(), null).ShouldBe(new PaymentId(g));
            RefundId.Parse(new RefundId(g).ToString(), null).ShouldBe(new RefundId(g));
            PaymentEventId.Parse(new PaymentEventId(g).ToString(), null).ShouldBe(new PaymentEventId(g));
            WebhookEndpointId.Parse(new WebhookEndpointId(g).ToString(), null).ShouldBe(new WebhookEndpointId(g));
            WebhookDeliveryId.Parse(new WebhookDeliveryId(g).ToString(), null).ShouldBe(new WebhookDeliveryId(g));
            DisputeId.Parse(new DisputeId(g).ToString(), null).ShouldBe(new DisputeId(g));
            PaymentId.Parse(new PaymentId(g).ToString().AsSpan(), null).Value.ShouldBe(g);
        });
    }

    [Fact]
    public void The_printed_form_is_the_prefix_and_32_lower_case_hex_digits()
    {
        Gen.Guid.Sample(g =>
        {
            var text = new PaymentId(g).ToString();
            text.ShouldBe("pay_" + g.ToString("N"));
            text[4..].ShouldAllBe(c => char.IsAsciiHexDigitLower(c));
        });
    }

    [Fact]
    public void An_id_with_another_types_prefix_is_refused()
    {
        Gen.Select(Gen.Guid, Pick(Prefixes), Pick(Prefixes)).Where((_, a, b) => a != b).Sample((g, printed, parsed) =>
            Parses(parsed, printed + g.ToString("N")).ShouldBeFalse());
    }

    [Fact]
    public void A_character_changed_to_another_scripts_digit_upper_case_or_punctuation_is_refused()
    {
        Gen.Select(Gen.Guid, Pick(Prefixes), Gen.Int[0, 31], Foreign).Sample((g, prefix, at, c) =>
        {
            var hex = g.ToString("N").ToCharArray();
            hex[at] = c;
            Parses(prefix, prefix + new string(hex)).ShouldBeFalse();
        });
    }

    [Fact]
    public void Too_long_too_short_padded_or_empty_text_is_refused()
    {
        Gen.Select(Gen.Guid, Pick(Prefixes), Pick(["", " ", "0", "a", "\n"])).Sample((g, prefix, extra) =>
        {
            var id = prefix + g.ToString("N");
            if (extra.Length > 0)
            {
                Parses(prefix, id + extra).ShouldBeFalse();
                Parses(prefix, extra + id).ShouldBeFalse();
            }

            Parses(prefix, id[..^1]).ShouldBeFalse();
            Parses(prefix, prefix).ShouldBeFalse();
            Parses(prefix, "").ShouldBeFalse();
            Parses(prefix, prefix.ToUpperInvariant() + g.ToString("N")).ShouldBeFalse();
            Parses(prefix, prefix + g.ToString("D")).ShouldBeFalse();
            Parses(prefix, g.ToString("N")).ShouldBeFalse();
        });
        PaymentId.TryParse((string?)null, null, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => PaymentId.Parse("pay_", null));
    }

    [Fact]
    public void Arbitrary_text_never_parses_unless_it_is_the_printed_form()
    {
        Gen.String.Sample(text =>
        {
            if (PaymentId.TryParse(text, null, out var id))
            {
                id.ToString().ShouldBe(text);
            }
        });
    }
}
