using System.Text.Json;
using CsCheck;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Payments;

/// <summary>
/// The request fingerprint stored with every idempotency key. Its encoding changed (written straight to bytes instead of
/// through a boxed object array), but keys stored by the earlier release must still match their repeated requests: a
/// retry after an upgrade may not be refused as "key reused".
/// </summary>
public sealed class RequestHashTests
{
    private static readonly Gen<string?> Text = Gen.OneOf(Gen.Const((string?)null), Gen.String.Select(s => (string?)s), Gen.Const((string?)"<tag> & 'quote' + ünïcødé ✓"));

    private static readonly Gen<PaymentRequest> Requests =
        from amount in Gen.Long
        from currency in Text
        from customer in Text
        from method in Text
        from order in Text
        from device in Text
        from ip in Text
        from country in Text
        from metadata in Gen.Dictionary(Gen.String, Gen.String)[0, 4]
        from hasMetadata in Gen.Bool
        select new PaymentRequest(amount, currency, customer, method, order, device, ip, country, hasMetadata ? metadata : null);

    /// <summary>The earlier release's formula, kept here as the reference.</summary>
    private static string EarlierHash(PaymentRequest r) => PaymentIdempotency.Sha256Hex(JsonSerializer.Serialize(new object?[]
    {
        r.Amount, r.Currency, r.CustomerId, r.PaymentMethod, r.OrderId, r.DeviceId, r.IpAddress, r.Country,
        r.Metadata?.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new[] { kv.Key, kv.Value }).ToArray(),
    }));

    [Fact]
    public void The_fingerprint_equals_the_earlier_releases_for_any_request() =>
        Requests.Sample(r => InitiatePayment.RequestHash(r).ShouldBe(EarlierHash(r)), iter: 5_000);

    [Fact]
    public void Requests_that_differ_in_any_field_have_different_fingerprints()
    {
        var request = new PaymentRequest(2_500, "usd", "cus_1", "pm_card_visa", "ord_1", "dev", "10.0.0.1", "NG", new Dictionary<string, string> { ["a"] = "b" });
        var variants = new[]
        {
            request with { Amount = 2_501 }, request with { Currency = "ngn" }, request with { CustomerId = "cus_2" }, request with { PaymentMethod = "pm_card_x" },
            request with { OrderId = null }, request with { DeviceId = "dev2" }, request with { IpAddress = "10.0.0.2" }, request with { Country = "GB" },
            request with { Metadata = new Dictionary<string, string> { ["a"] = "c" } }, request with { Metadata = null },
            request with { CustomerId = "cus_1\",\"pm_card_visa" }, // a field that spells the next one cannot collide
        };
        var hashes = variants.Select(InitiatePayment.RequestHash).Append(InitiatePayment.RequestHash(request)).ToList();
        hashes.Distinct().Count().ShouldBe(hashes.Count);
    }
}
