using System.Net;
using System.Text;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Merchants;

public sealed class MerchantsApiTests(MerchantsApiTests.Fixture fixture) : IClassFixture<MerchantsApiTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public string AdminToken { get; private set; } = "";

        public string ComplianceToken { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);
            ComplianceToken = await Factory.StaffTokenAsync(PortalRoles.Compliance);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private static int _cac = Random.Shared.Next(100_000, 800_000);

    private static string NextCac() => Interlocked.Increment(ref _cac).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private PortalFactory Factory => fixture.Factory;

    private HttpClient Admin() => Factory.ClientWithBearer(fixture.AdminToken);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> RegisterAsync(HttpClient client, string name, string? cac = null)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/merchants", new { business_name = name, cac_number = cac ?? NextCac(), contact_email = "owner@shop.example" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("merchant_id").GetString()!;
    }

    [Fact]
    public async Task Staff_register_a_merchant_and_the_server_sets_status_and_entity_type()
    {
        using var client = Admin();
        using var response = await client.PostAsync("/api/v1/merchants", Json($$"""{"business_name": "  Jiji Stores  ", "cac_number": "{{NextCac()}}", "contact_email": "Owner@Jiji.Example"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = await response.JsonAsync();
        var id = created.GetProperty("merchant_id").GetString()!;
        id.ShouldStartWith("mer_");
        created.GetProperty("created_date").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/merchants/{id}");

        var merchant = await (await client.GetAsync($"/api/v1/merchants/{id}")).JsonAsync();
        merchant.GetProperty("business_name").GetString().ShouldBe("Jiji Stores");
        merchant.GetProperty("contact_email").GetString().ShouldBe("owner@jiji.example");
        merchant.GetProperty("entity_type").GetString().ShouldBe("MERCHANT");
        merchant.GetProperty("status").GetString().ShouldBe("draft");
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { """{"cac_number": "123456", "contact_email": "a@b.co"}""", "business_name" },
        { """{"business_name": "   ", "cac_number": "123456", "contact_email": "a@b.co"}""", "business_name" },
        { """{"business_name": "X", "cac_number": "123456", "contact_email": "a@b.co"}""", "business_name" },
        { """{"business_name": "Acme", "cac_number": "12345", "contact_email": "a@b.co"}""", "cac_number" },
        { """{"business_name": "Acme", "cac_number": "1234567", "contact_email": "a@b.co"}""", "cac_number" },
        { """{"business_name": "Acme", "cac_number": "12a456", "contact_email": "a@b.co"}""", "cac_number" },
        { """{"business_name": "Acme", "cac_number": "123456", "contact_email": "not-an-email"}""", "contact_email" },
        { """{"business_name": "Acme", "cac_number": "123456"}""", "contact_email" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_fields_are_a_400_naming_the_field(string body, string field)
    {
        using var client = Admin();
        using var response = await client.PostAsync("/api/v1/merchants", Json(body));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    public static TheoryData<string, string> UnreadableBodies() => new()
    {
        { """{"business_name": "Acme", "cac_number": 123456, "contact_email": "a@b.co"}""", "cac_number" },
        { """{"business_name": "Acme", "cac_number": "123456", "contact_email": "a@b.co", "status": "approved"}""", "status" },
        { """{"business_name": "Acme", "cac_number": "123456", "contact_email": "a@b.co", "entity_type": "ADMIN"}""", "entity_type" },
        { """{"business_name": "Acme", """, "" },
        { "[]", "" },
    };

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task Wrong_types_unknown_fields_and_malformed_json_are_400_and_create_nothing(string body, string field)
    {
        using var client = Admin();
        using var response = await client.PostAsync("/api/v1/merchants", Json(body));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("detail").GetString()!.ShouldContain(field);
        var list = await (await client.GetAsync("/api/v1/merchants?cac_number=123456")).JsonAsync();
        list.GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Oversize_and_non_json_bodies_are_refused()
    {
        using var client = Admin();
        var huge = $$"""{"business_name": "{{new string('A', 100_000)}}", "cac_number": "123456", "contact_email": "a@b.co"}""";
        await (await client.PostAsync("/api/v1/merchants", Json(huge))).ShouldBeProblemAsync(413);
        await (await client.PostAsync("/api/v1/merchants", new StringContent("business_name=Acme", Encoding.UTF8, "text/plain"))).ShouldBeProblemAsync(415);
    }

    [Fact]
    public async Task A_registered_cac_number_is_409()
    {
        using var client = Admin();
        var cac = NextCac();
        await RegisterAsync(client, "First Owner", cac);

        using var again = await client.PostAsJsonAsync("/api/v1/merchants", new { business_name = "Second Owner", cac_number = cac, contact_email = "x@y.co" });

        (await again.ShouldBeProblemAsync(409)).GetProperty("title").GetString().ShouldBe("CAC number already registered");
    }

    [Fact]
    public async Task Twenty_concurrent_identical_requests_create_exactly_one_merchant()
    {
        var cac = NextCac();
        var body = $$"""{"business_name": "Racer Ltd", "cac_number": "{{cac}}", "contact_email": "race@racer.example"}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var client = Admin();
            using var response = await client.PostAsync("/api/v1/merchants", Json(body));
            return response.StatusCode;
        }));

        responses.Count(s => s == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(s => s == HttpStatusCode.Conflict).ShouldBe(19);
        using var admin = Admin();
        (await (await admin.GetAsync($"/api/v1/merchants?cac_number={cac}")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_merchant_registers_its_own_business_once_and_reads_only_its_own()
    {
        var (mine, myKey) = await Factory.MerchantKeyAsync();
        var (_, otherKey) = await Factory.MerchantKeyAsync();
        using var me = Factory.ClientWithBearer(myKey);
        using var other = Factory.ClientWithBearer(otherKey);

        var id = await RegisterAsync(me, "My Shop");
        id.ShouldBe("mer_" + mine.MerchantId!.Value.ToString("N"));
        (await (await me.GetAsync($"/api/v1/merchants/{id}")).JsonAsync()).GetProperty("business_name").GetString().ShouldBe("My Shop");

        // Another merchant's id looks exactly like an unknown one.
        await (await other.GetAsync($"/api/v1/merchants/{id}")).ShouldBeProblemAsync(404);
        await (await other.GetAsync($"/api/v1/merchants/mer_{Guid.NewGuid():N}")).ShouldBeProblemAsync(404);
        await (await me.GetAsync("/api/v1/merchants/not-an-id")).ShouldBeProblemAsync(404);
        // A second registration by the same merchant is a conflict, not a second merchant.
        using var twice = await me.PostAsJsonAsync("/api/v1/merchants", new { business_name = "Again", cac_number = NextCac(), contact_email = "a@b.co" });
        await twice.ShouldBeProblemAsync(409);
        // Listing is for admins.
        await (await me.GetAsync("/api/v1/merchants")).ShouldBeProblemAsync(403);
        await (await Factory.ClientWithBearer(fixture.ComplianceToken).GetAsync("/api/v1/merchants")).ShouldBeProblemAsync(403);
    }

    [Fact]
    public async Task Listing_pages_newest_first_with_an_opaque_cursor()
    {
        using var client = Admin();
        var prefix = "Pager " + Guid.NewGuid().ToString("N")[..6];
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await RegisterAsync(client, $"{prefix} {i}"));
        }

        var first = await (await client.GetAsync("/api/v1/merchants?limit=2")).JsonAsync();
        first.GetProperty("count").GetInt32().ShouldBe(2);
        first.GetProperty("data")[0].GetProperty("merchant_id").GetString().ShouldBe(ids[^1]);
        var cursor = first.GetProperty("next_cursor").GetString()!;
        cursor.ShouldNotContain(ids[^2][4..]); // opaque: no raw key inside

        var second = await (await client.GetAsync($"/api/v1/merchants?limit=2&cursor={Uri.EscapeDataString(cursor)}")).JsonAsync();
        second.GetProperty("data")[0].GetProperty("merchant_id").GetString().ShouldBe(ids[^3]);

        var byName = await (await client.GetAsync($"/api/v1/merchants?name_prefix={Uri.EscapeDataString(prefix.ToLowerInvariant())}&limit=100")).JsonAsync();
        byName.GetProperty("count").GetInt32().ShouldBe(5);
        var drafts = await (await client.GetAsync("/api/v1/merchants?status=draft&limit=100")).JsonAsync();
        drafts.GetProperty("count").GetInt32().ShouldBeGreaterThanOrEqualTo(5);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=-5", "limit")]
    [InlineData("limit=2.5", "limit")]
    [InlineData("status=active", "status")]
    [InlineData("cac_number=12345", "cac_number")]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("cursor=eyJTIjoiMSIsIkkiOiIwMDAwIn0.AAAA", "cursor")]
    public async Task Bad_listing_parameters_are_a_400_naming_the_parameter(string query, string field)
    {
        using var client = Admin();
        var problem = await (await client.GetAsync($"/api/v1/merchants?{query}")).ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task An_edited_or_foreign_cursor_is_refused()
    {
        using var client = Admin();
        for (var i = 0; i < 3; i++)
        {
            await RegisterAsync(client, $"Cursor Test {i}");
        }

        var page = await (await client.GetAsync("/api/v1/merchants?limit=1")).JsonAsync();
        var cursor = page.GetProperty("next_cursor").GetString()!;
        var parts = cursor.Split('.');
        var payload = Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(parts[0]));
        var edited = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(payload.Replace("\"SortKey\":\"", "\"SortKey\":\"9", StringComparison.Ordinal))) + "." + parts[1];

        await (await client.GetAsync($"/api/v1/merchants?limit=1&cursor={Uri.EscapeDataString(edited)}")).ShouldBeProblemAsync(400);
        // A cursor issued for one filter is not accepted for another.
        await (await client.GetAsync($"/api/v1/merchants?limit=1&status=draft&cursor={Uri.EscapeDataString(cursor)}")).ShouldBeProblemAsync(400);
        (await client.GetAsync($"/api/v1/merchants?limit=1&cursor={Uri.EscapeDataString(cursor)}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reading_a_merchant_is_audited_and_pii_is_encrypted_at_rest()
    {
        using var client = Admin();
        var id = await RegisterAsync(client, "Secretive Ltd");
        await client.GetAsync($"/api/v1/merchants/{id}");

        var audit = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Portal.Core.Audit.IAuditLog>(Factory.Services);
        var reads = await audit.QueryAsync(new Portal.Core.Audit.AuditQuery(Action: "merchant.viewed", Limit: 500));
        reads.Events.ShouldContain(e => e.Target == id && e.ActorRole == "Admin");
        var dbBytes = await File.ReadAllBytesAsync(Path.Combine(Factory.DataPath, "portal.db"));
        var walBytes = File.Exists(Path.Combine(Factory.DataPath, "portal.db-wal")) ? await File.ReadAllBytesAsync(Path.Combine(Factory.DataPath, "portal.db-wal")) : [];
        Encoding.UTF8.GetString(dbBytes).ShouldNotContain("owner@shop.example");
        Encoding.UTF8.GetString(walBytes).ShouldNotContain("owner@shop.example");
    }
}
