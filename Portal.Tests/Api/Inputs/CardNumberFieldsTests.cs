using System.Net;
using System.Text;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Inputs;

/// <summary>
/// Card numbers spelled the ways the review found getting past the detector are refused in every stored field, with a
/// 400 naming the field; the number is never echoed, logged or stored.
/// </summary>
public sealed class CardNumberFieldsTests(CardNumberFieldsTests.Fixture fixture) : IClassFixture<CardNumberFieldsTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public string AdminToken { get; private set; } = "";

        public async ValueTask InitializeAsync() => AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<HttpClient> MerchantAsync() => Factory.ClientWithBearer((await Factory.ApprovedMerchantKeyAsync()).Secret);

    private const string Payment = """{"amount": 2500, "currency": "usd", "customer_id": "c1", "payment_method": "pm_card_visa", "order_id": "ord-1", "metadata": {"note": "ok"} }""";

    public static TheoryData<string, string, string> PaymentFields() => new()
    {
        { "order_id", "\"ord-1\"", "\"A4111111111111111\"" },
        { "customer_id", "\"c1\"", "\"cus_4111_1111_1111_1111\"" },
        { "metadata.note", "\"ok\"", "\"card 4111.1111.1111.1111 exp 12/30\"" },
        { "metadata.note", "\"ok\"", "\"\\uff14\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\\uff11\"" },
        { "metadata.note", "\"ok\"", "\"4111  1111  1111  1111\"" },
        { "metadata", "\"note\"", "\"\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\"" },
        { "payment_method", "\"pm_card_visa\"", "\"pm_4111111111111111\"" },
    };

    [Theory]
    [MemberData(nameof(PaymentFields))]
    public async Task A_payment_with_a_card_number_in_any_field_is_a_400_naming_the_field(string field, string original, string replacement)
    {
        using var client = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/payments", Json(ReplaceFirst(Payment, original, replacement)));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        AssertNeverEchoedOrLogged(problem.ToString());
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_refund_reason_with_a_card_number_is_a_400_naming_the_field()
    {
        using var client = await MerchantAsync();
        using var paid = await client.PostAsync("/api/v1/payments", Json(Payment));
        paid.StatusCode.ShouldBe(HttpStatusCode.Created, await paid.Content.ReadAsStringAsync());
        var id = (await paid.JsonAsync()).GetProperty("id").GetString();

        using var response = await client.PostAsync($"/api/v1/payments/{id}/refunds", Json("""{"reason": "customer read out 4111/1111/1111/1111"}"""));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue(problem.ToString());
        AssertNeverEchoedOrLogged(problem.ToString());
        (await (await client.GetAsync($"/api/v1/payments/{id}")).JsonAsync()).GetProperty("refunded_amount").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task A_merchant_name_with_a_card_number_is_a_400_naming_the_field()
    {
        using var client = Factory.ClientWithBearer(fixture.AdminToken);
        using var response = await client.PostAsJsonAsync("/api/v1/merchants", new { business_name = "Shop 4111_1111_1111_1111", cac_number = "271828", contact_email = "a@b.co" });

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty("business_name", out _).ShouldBeTrue(problem.ToString());
        AssertNeverEchoedOrLogged(problem.ToString());
    }

    [Theory]
    [InlineData("description", """{"url": "https://hooks.example.com/x", "enabled_events": ["*"], "description": "test card \uff14\uff11\uff11\uff11 1111 1111 1111"}""")]
    [InlineData("url", """{"url": "https://hooks.example.com/x?pan=4111111111111111", "enabled_events": ["*"], "description": "orders"}""")]
    public async Task A_webhook_endpoint_with_a_card_number_is_a_400_naming_the_field(string field, string json)
    {
        using var client = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/webhook_endpoints", Json(json));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        AssertNeverEchoedOrLogged(problem.ToString());
        (await (await client.GetAsync("/api/v1/webhook_endpoints")).JsonAsync()).GetProperty("data").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("/api/v1/merchants", """{"business_name": "Acme", "cac_number": "271829", "contact_email": "a@b.co", "4111 1111 1111 1111": 1}""")]
    [InlineData("/api/v1/webhook_endpoints", """{"url": "https://hooks.example.com/x", "enabled_events": ["*"], "4111111111111111": true}""")]
    public async Task An_unknown_field_named_with_a_card_number_is_refused_without_echoing_it(string url, string json)
    {
        using var client = url.Contains("merchants", StringComparison.Ordinal) ? Factory.ClientWithBearer(fixture.AdminToken) : await MerchantAsync();
        using var response = await client.PostAsync(url, Json(json));

        var problem = await response.ShouldBeProblemAsync(400);
        AssertNeverEchoedOrLogged(problem.ToString());
    }

    private void AssertNeverEchoedOrLogged(string problem)
    {
        foreach (var part in new[] { "4111", "１１１１", "\u0661\u0661\u0661\u0661" })
        {
            problem.ShouldNotContain(part);
            Factory.Logs.ShouldAllBe(line => !line.Contains(part, StringComparison.Ordinal));
        }
    }

    private static string ReplaceFirst(string text, string original, string replacement)
    {
        var at = text.IndexOf(original, StringComparison.Ordinal);
        return text[..at] + replacement + text[(at + original.Length)..];
    }
}
