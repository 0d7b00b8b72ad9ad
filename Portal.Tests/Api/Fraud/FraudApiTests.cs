using System.Net;
using System.Text;
using Portal.Auth;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Fraud;

/// <summary>/api/v1/fraud over HTTP: bad entries are a 400 naming the field with nothing saved, admins only, four eyes, and a block entry blocking the next payment.</summary>
public sealed class FraudApiTests(FraudApiTests.Fixture fixture) : IClassFixture<FraudApiTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public string AdminToken { get; private set; } = "";

        public string SecondAdminToken { get; private set; } = "";

        public string ComplianceToken { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);
            SecondAdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);
            ComplianceToken = await Factory.StaffTokenAsync(PortalRoles.Compliance);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private static object Entry(string subject, string value, string? reason = "chargebacks", string list = "block", string? merchantId = null) =>
        new { list, subject, value, reason, merchant_id = merchantId };

    private async Task<int> CountAsync(string search)
    {
        using var admin = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        var body = await (await admin.GetAsync($"/api/v1/fraud/list_entries?include_expired=true&search={Uri.EscapeDataString(search)}")).JsonAsync();
        return body.GetProperty("total").GetInt32();
    }

    [Theory]
    [InlineData("ip", "198.51.100.9/16", "chargebacks", "value")]
    [InlineData("country", "QQ", "chargebacks", "value")]
    [InlineData("device", "dev_api_reason", "", "reason")]
    public async Task A_bad_entry_is_a_400_naming_the_field_and_nothing_is_saved(string subject, string value, string reason, string field)
    {
        using var admin = fixture.Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await admin.PostAsJsonAsync("/api/v1/fraud/list_entries", Entry(subject, value, reason));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await CountAsync(value)).ShouldBe(0);
    }

    [Fact]
    public async Task Merchants_and_compliance_are_refused()
    {
        var (_, merchantKey) = await fixture.Factory.MerchantKeyAsync();
        foreach (var token in new[] { merchantKey, fixture.ComplianceToken })
        {
            using var client = fixture.Factory.ClientWithBearer(token);
            await (await client.PostAsJsonAsync("/api/v1/fraud/list_entries", Entry("country", "BY"))).ShouldBeProblemAsync(403);
            await (await client.GetAsync("/api/v1/fraud/list_entries")).ShouldBeProblemAsync(403);
            await (await client.GetAsync("/api/v1/fraud/rules")).ShouldBeProblemAsync(403);
            await (await client.PostAsJsonAsync("/api/v1/fraud/rules/draft/publish", new { revision = 1 })).ShouldBeProblemAsync(403);
        }

        (await CountAsync("BY")).ShouldBe(0);
    }

    [Fact]
    public async Task A_csv_import_with_a_bad_row_names_it_and_saves_nothing()
    {
        using var admin = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        using var csv = new StringContent("list,subject,value,reason\nblock,device,dev_csv_ok,fraud ring\nblock,country,ZZ,sanctions\n", Encoding.UTF8, "text/csv");

        using var response = await admin.PostAsync("/api/v1/fraud/list_entries/import", csv);

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty("row 3: value", out _).ShouldBeTrue(problem.ToString());
        (await CountAsync("dev_csv_ok")).ShouldBe(0);
    }

    [Fact]
    public async Task A_blocked_customer_s_next_payment_is_blocked_with_the_block_list_factor()
    {
        var (merchant, key) = await fixture.Factory.ApprovedMerchantKeyAsync();
        using var shop = fixture.Factory.ClientWithBearer(key);
        using var admin = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        async Task<System.Text.Json.JsonElement> PayAsync()
        {
            using var pay = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
            {
                Content = JsonContent.Create(new { amount = 2500, currency = "usd", customer_id = "cus_blockme", payment_method = SandboxProcessor.Success }),
            };
            pay.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var response = await shop.SendAsync(pay);
            response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
            return await response.JsonAsync();
        }

        (await PayAsync()).GetProperty("status").GetString().ShouldBe("succeeded");
        using var added = await admin.PostAsJsonAsync("/api/v1/fraud/list_entries", Entry("customer", "cus_blockme", merchantId: $"mer_{merchant.MerchantId:N}"));
        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());

        var blocked = await PayAsync();

        blocked.GetProperty("status").GetString().ShouldBe("blocked");
        blocked.GetProperty("fraud").GetProperty("factors")[0].GetProperty("rule").GetString().ShouldBe("block_list");
    }

    [Fact]
    public async Task The_author_cannot_publish_a_draft_but_another_admin_can()
    {
        using var author = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        using var reviewer = fixture.Factory.ClientWithBearer(fixture.SecondAdminToken);
        var rules = await (await author.GetAsync("/api/v1/fraud/rules")).JsonAsync();
        var live = rules.GetProperty("live");
        var revision = rules.TryGetProperty("draft", out var existing) && existing.ValueKind == System.Text.Json.JsonValueKind.Object ? existing.GetProperty("revision").GetInt64() : 0;
        var parameters = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(live.GetProperty("parameters").GetRawText())!;
        parameters["velocity_weight"] = 31;

        using var saved = await author.PutAsJsonAsync("/api/v1/fraud/rules/draft", new { parameters, revision, note = "velocity up" });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var draftRevision = (await saved.JsonAsync()).GetProperty("revision").GetInt64();

        var refused = await (await author.PostAsJsonAsync("/api/v1/fraud/rules/draft/publish", new { revision = draftRevision })).ShouldBeProblemAsync(403);
        refused.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("another admin");

        using var published = await reviewer.PostAsJsonAsync("/api/v1/fraud/rules/draft/publish", new { revision = draftRevision });
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var version = await published.JsonAsync();
        version.GetProperty("version").GetInt32().ShouldBe(live.GetProperty("version").GetInt32() + 1);
        version.GetProperty("parameters").GetProperty("velocity_weight").GetInt32().ShouldBe(31);
    }

    [Fact]
    public async Task A_bad_draft_names_the_field()
    {
        using var admin = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        var live = (await (await admin.GetAsync("/api/v1/fraud/rules")).JsonAsync()).GetProperty("live");
        var parameters = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(live.GetProperty("parameters").GetRawText())!;
        parameters["review_from"] = 900;
        parameters["block_above"] = 100;

        var problem = await (await admin.PutAsJsonAsync("/api/v1/fraud/rules/draft", new { parameters, revision = 0 })).ShouldBeProblemAsync(400);

        problem.GetProperty("errors").TryGetProperty("review_from", out _).ShouldBeTrue(problem.ToString());
    }
}
