using System.Net;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>Every API endpoint against every kind of caller: anonymous, merchant API key, Admin token, Compliance token, and broken credentials.</summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Fixture fixture) : IClassFixture<AuthorizationMatrixTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public Dictionary<string, string?> Credentials { get; } = new();

        public string TargetUserId { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            Credentials["anonymous"] = null;
            Credentials["merchant_key"] = (await Factory.MerchantKeyAsync()).Secret;
            Credentials["admin_token"] = await Factory.StaffTokenAsync(PortalRoles.Admin);
            Credentials["compliance_token"] = await Factory.StaffTokenAsync(PortalRoles.Compliance);
            Credentials["forged_key"] = "sk_test_" + new string('A', 32);
            Credentials["garbage_token"] = "not-a-token";
            TargetUserId = (await Factory.CreateUserAsync(PortalRoles.Merchant)).User.Id;
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    public static TheoryData<string, string, string, int> Matrix()
    {
        var data = new TheoryData<string, string, string, int>();
        void Row(string method, string path, int anonymous, int merchant, int admin, int compliance)
        {
            data.Add(method, path, "anonymous", anonymous);
            data.Add(method, path, "merchant_key", merchant);
            data.Add(method, path, "admin_token", admin);
            data.Add(method, path, "compliance_token", compliance);
            data.Add(method, path, "forged_key", anonymous);
            data.Add(method, path, "garbage_token", anonymous);
        }

        Row("GET", "/api/v1/me", 401, 200, 200, 200);
        Row("GET", "/api/v1/audit/events", 401, 403, 403, 200);
        Row("POST", "/api/v1/audit/verify", 401, 403, 403, 200);
        Row("PUT", "/api/v1/users/{target}/roles", 401, 403, 200, 403);
        Row("GET", "/api/v1/webhook_endpoints", 401, 200, 403, 403);
        Row("GET", "/api/v1/webhook_deliveries", 401, 200, 403, 403);
        Row("GET", "/api/v1/payments", 401, 200, 200, 200);
        Row("GET", "/api/v1/payments/pay_0190a2b3c4d5e6f708192a3b4c5d6e7f", 401, 404, 404, 404);
        Row("POST", "/api/v1/payments/pay_0190a2b3c4d5e6f708192a3b4c5d6e7f/refunds", 401, 404, 403, 403);
        Row("GET", "/api/v1/merchants/mer_0190a2b3c4d5e6f708192a3b4c5d6e7f/documents", 401, 404, 404, 404);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_answers_each_caller_as_the_policy_says(string method, string path, string caller, int expected)
    {
        using var client = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{target}", fixture.TargetUserId, StringComparison.Ordinal));
        if (fixture.Credentials[caller] is { } credential)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);
        }

        if (method == "PUT")
        {
            request.Content = JsonContent.Create(new { roles = new[] { "Merchant" } });
        }
        else if (method == "POST")
        {
            request.Content = JsonContent.Create(new { amount = 100 });
        }

        using var response = await client.SendAsync(request);

        if (expected >= 400)
        {
            await response.ShouldBeProblemAsync(expected);
        }
        else
        {
            ((int)response.StatusCode).ShouldBe(expected, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_ui_cookie_is_not_accepted_by_the_api()
    {
        // A signed-in browser must not be able to drive the API (no CSRF surface): only keys and tokens count.
        using var client = fixture.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", "portal.auth=anything");
        using var response = await client.GetAsync("/api/v1/me");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_reports_the_merchant_behind_an_api_key()
    {
        var (merchant, secret) = await fixture.Factory.MerchantKeyAsync();
        using var client = fixture.Factory.ClientWithBearer(secret);

        var me = await (await client.GetAsync("/api/v1/me")).JsonAsync();

        me.GetProperty("merchant_id").GetString().ShouldBe(merchant.MerchantId.ToString());
        me.GetProperty("role").GetString().ShouldBe("Merchant");
        me.GetProperty("authenticated_with").GetString().ShouldBe("api_key");
    }
}
