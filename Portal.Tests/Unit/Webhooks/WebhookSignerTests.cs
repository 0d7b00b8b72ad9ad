using System.Text;
using System.Text.RegularExpressions;
using Portal.Core.Webhooks;

namespace Portal.Tests.Unit.Webhooks;

public sealed partial class WebhookSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"payment.succeeded","created":1795597200,"data":{"amount":1000}}""");

    [Fact]
    public void Secret_is_whsec_and_32_random_characters()
    {
        var secret = WebhookSigner.NewSecret();

        secret.ShouldMatch("^whsec_[0-9A-Za-z]{32}$");
        WebhookSigner.NewSecret().ShouldNotBe(secret);
    }

    [Fact]
    public void Header_is_stripe_style_timestamp_and_hex_hmac_of_timestamp_dot_body()
    {
        var header = WebhookSigner.Sign("whsec_test", Now.ToUnixTimeSeconds(), Body);

        HeaderFormat().IsMatch(header).ShouldBeTrue(header);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes("whsec_test"), Encoding.UTF8.GetBytes($"{Now.ToUnixTimeSeconds()}.").Concat(Body).ToArray()));
        header.ShouldBe($"t={Now.ToUnixTimeSeconds()},v1={expected}");
    }

    [Fact]
    public void A_receiver_with_the_secret_verifies_the_signature()
    {
        var header = WebhookSigner.Sign("whsec_test", Now.ToUnixTimeSeconds(), Body);

        WebhookSigner.Verify(header, "whsec_test", Body, Now.AddSeconds(30)).ShouldBeTrue();
    }

    [Fact]
    public void A_tampered_body_a_wrong_secret_or_a_stale_timestamp_fails()
    {
        var header = WebhookSigner.Sign("whsec_test", Now.ToUnixTimeSeconds(), Body);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("1000", "9000", StringComparison.Ordinal));

        WebhookSigner.Verify(header, "whsec_test", tampered, Now).ShouldBeFalse();
        WebhookSigner.Verify(header, "whsec_other", Body, Now).ShouldBeFalse();
        WebhookSigner.Verify(header, "whsec_test", Body, Now.AddMinutes(6)).ShouldBeFalse();
        WebhookSigner.Verify(header.Replace("t=", "t=1", StringComparison.Ordinal), "whsec_test", Body, Now).ShouldBeFalse();
        WebhookSigner.Verify("garbage", "whsec_test", Body, Now).ShouldBeFalse();
        WebhookSigner.Verify(null, "whsec_test", Body, Now).ShouldBeFalse();
    }

    [GeneratedRegex("^t=[0-9]+,v1=[0-9a-f]{64}$")]
    private static partial Regex HeaderFormat();
}
