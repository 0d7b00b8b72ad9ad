using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>Request bodies the API fuzz test (<see cref="ApiFuzzTests"/>) found answered with a 500: each is a 4xx problem now.</summary>
public sealed class MalformedRequestTests(MalformedRequestTests.Fixture fixture) : IClassFixture<MalformedRequestTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithoutRequestValidation("malformed requests on purpose");

        public string AdminToken { get; private set; } = "";

        public async ValueTask InitializeAsync() => AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=x-no-such-encoding")]
    public async Task A_json_body_in_a_charset_that_cannot_be_decoded_is_415(string contentType)
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);
        using var body = new ByteArrayContent("{\"roles\": [\"Admin\"]}"u8.ToArray());
        body.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", body);

        (await response.ShouldBeProblemAsync(415)).GetProperty("detail").GetString()!.ShouldContain("charset");
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
    }

    [Fact]
    public async Task A_known_charset_other_than_utf8_is_still_read()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent("{\"roles\": [\"Compliance\"]}", Encoding.Unicode, "application/json"));

        // Granting Compliance waits for a second admin (four-eyes): the proposal names the role read from the UTF-16 body.
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, body);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        json.RootElement.GetProperty("proposed_roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([PortalRoles.Compliance]);
    }

    [Fact]
    public async Task A_null_role_is_a_400_naming_roles()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent("{\"roles\": [null, \"Admin\"]}", Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("roles", out _).ShouldBeTrue();
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
    }

    [Theory]
    [InlineData("/api/v1/payments")]
    [InlineData("/api/v1/payments/pay_0190a2b3c4d5e6f708192a3b4c5d6e7f/refunds")]
    public async Task A_body_that_is_not_utf8_is_a_400(string path)
    {
        var (_, key) = await Factory.ApprovedMerchantKeyAsync();
        using var client = Factory.ClientWithBearer(key);
        byte[] invalid = [.. "{\"customer_id\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8];
        using var body = new ByteArrayContent(invalid);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(path, body);

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").GetProperty("customer_id")[0].GetString()!.ShouldContain("UTF-8");
    }

    private async Task AssertRolesAsync(string userId, params string[] expected)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        (await users.GetRolesAsync((await users.FindByIdAsync(userId))!)).ShouldBe(expected, ignoreOrder: true);
    }
}
