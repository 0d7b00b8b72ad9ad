using System.Text;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Inputs;

/// <summary>
/// A JSON string may spell a lone UTF-16 surrogate as an escape ("\ud800") or carry bytes that are not UTF-8. Neither is
/// text: every endpoint answers 400 naming the field, never 500, and never echoes the value.
/// </summary>
public sealed class InvalidUnicodeTests(InvalidUnicodeTests.Fixture fixture) : IClassFixture<InvalidUnicodeTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public string AdminToken { get; private set; } = "";

        public string MerchantKey { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);
            MerchantKey = (await Factory.ApprovedMerchantKeyAsync()).Secret;
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    public enum Caller
    {
        Anonymous,
        Merchant,
        Admin,
    }

    private const string LoneHigh = "\\ud800";
    private const string LoneLow = "\\udfff";
    private const string ReversedPair = "\\udc00\\ud800";

    public static TheoryData<Caller, string, string, string> Requests() => new()
    {
        { Caller.Merchant, "/api/v1/payments", $$"""{"amount": 2500, "currency": "usd", "customer_id": "cus_{{LoneHigh}}", "payment_method": "pm_card_visa"}""", "customer_id" },
        { Caller.Merchant, "/api/v1/payments", $$"""{"amount": 2500, "currency": "usd", "customer_id": "c1", "payment_method": "pm_card_visa", "metadata": {"note": "a{{LoneLow}}b"} }""", "metadata.note" },
        { Caller.Merchant, "/api/v1/payments", $$"""{"amount": 2500, "currency": "usd", "customer_id": "c1", "payment_method": "pm_card_visa", "metadata": {"k{{ReversedPair}}": "v"} }""", "metadata" },
        { Caller.Merchant, $"/api/v1/payments/pay_{Guid.NewGuid():N}/refunds", $$"""{"reason": "{{LoneHigh}}"}""", "reason" },
        { Caller.Admin, "/api/v1/merchants", $$"""{"business_name": "Shop {{LoneHigh}}", "cac_number": "123456", "contact_email": "a@b.co"}""", "business_name" },
        { Caller.Merchant, "/api/v1/webhook_endpoints", $$"""{"url": "https://hooks.example.com/x", "description": "{{LoneLow}}"}""", "description" },
        { Caller.Anonymous, "/api/v1/auth/token", $$"""{"email": "a{{LoneHigh}}@b.co", "password": "p"}""", "email" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task A_lone_surrogate_in_a_json_string_is_a_400_naming_the_field(Caller caller, string url, string json, string field)
    {
        using var client = Client(caller);
        using var response = await client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out var messages).ShouldBeTrue(problem.ToString());
        messages[0].GetString()!.ShouldContain("Unicode");
    }

    [Theory]
    [InlineData("/api/v1/payments", Caller.Merchant)]
    [InlineData("/api/v1/merchants", Caller.Admin)]
    [InlineData("/api/v1/webhook_endpoints", Caller.Merchant)]
    public async Task Bytes_that_are_not_utf8_in_a_json_string_are_a_400_naming_the_field(string url, Caller caller)
    {
        using var client = Client(caller);
        byte[] json = [.. "{\"description\": \"a"u8, 0xC3, 0x28, .. "\"}"u8];
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(url, content);

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty("description", out _).ShouldBeTrue(problem.ToString());
    }

    private HttpClient Client(Caller caller) => caller switch
    {
        Caller.Anonymous => fixture.Factory.CreateClient(),
        Caller.Merchant => fixture.Factory.ClientWithBearer(fixture.MerchantKey),
        Caller.Admin => fixture.Factory.ClientWithBearer(fixture.AdminToken),
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };
}
