using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>What every client sees regardless of endpoint: problem details, headers, health, limits.</summary>
public sealed class HttpBehaviourTests(HttpBehaviourTests.Fixture fixture) : IClassFixture<HttpBehaviourTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        // portal.example: the HSTS test needs a host that is not localhost (HSTS is never sent to localhost), so allow it.
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("AllowedHosts", "localhost;portal.example");

        public string AdminToken { get; private set; } = "";

        public async ValueTask InitializeAsync() => AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    [Fact]
    public async Task Health_endpoints_answer_without_authentication()
    {
        using var client = Factory.CreateClient();
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/api/v1/me")]
    [InlineData("/health/live")]
    public async Task Security_headers_are_on_every_response(string path)
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldContain("script-src 'self'");
        csp.ShouldNotContain("unsafe-eval");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
    }

    [Fact]
    public async Task Hsts_is_sent_over_https_outside_development()
    {
        using var client = Factory.CreateClient(new() { BaseAddress = new Uri("https://portal.example") });
        using var response = await client.GetAsync("/health/live");
        response.Headers.GetValues("Strict-Transport-Security").Single().ShouldContain("max-age=");
    }

    [Fact]
    public async Task Unknown_api_routes_are_problem_details()
    {
        using var client = Factory.ClientWithBearer(fixture.AdminToken);
        await (await client.GetAsync("/api/v1/does-not-exist")).ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task Unknown_pages_show_the_not_found_page()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync("/no/such/page");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("find that page");
    }

    [Theory]
    [InlineData("/")] // prerendered pages carry the signed-in user's data
    [InlineData("/no/such/page")]
    public async Task Pages_are_never_stored_by_browsers_or_proxies(string path)
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(path);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
    }

    [Fact]
    public async Task Static_assets_may_be_cached()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync("/css/portal.css");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (response.Headers.CacheControl?.NoStore ?? false).ShouldBeFalse();
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_and_changes_nothing()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent("{\"roles\": [\"Admin\"", Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(400);
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
    }

    [Fact]
    public async Task Wrong_json_types_are_a_400_problem()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent("{\"roles\": \"Admin\"}", Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblemAsync(400)).GetProperty("detail").GetString()!.ShouldContain("roles");
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
    }

    [Fact]
    public async Task Unknown_fields_are_refused()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent("{\"roles\": [\"Admin\"], \"is_root\": true}", Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblemAsync(400)).GetProperty("detail").GetString()!.ShouldContain("is_root");
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
    }

    [Fact]
    public async Task A_wrong_content_type_is_415()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent("roles=Admin", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await response.ShouldBeProblemAsync(415);
    }

    [Fact]
    public async Task An_oversize_body_is_413()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);
        var huge = "{\"roles\": [\"" + new string('A', 2 * 1024 * 1024) + "\"]}";

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", new StringContent(huge, Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(413);
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
    }

    [Fact]
    public async Task Role_changes_are_applied_and_audited()
    {
        // Withdrawing a staff role is a one-admin change (granting one is four-eyes: RoleGrantFourEyesTests).
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Compliance);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await client.PutAsync($"/api/v1/users/{target.Id}/roles", JsonContent.Create(new { roles = new[] { "Merchant" } }));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
        var events = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.RolesChanged, Limit: 100));
        var change = events.Events.First(e => e.Target == $"user:{target.Id}");
        change.Detail.ShouldBe("from=[Compliance] to=[Merchant]");
        change.ActorRole.ShouldBe("Admin");
    }

    [Fact]
    public async Task Unknown_roles_and_unknown_users_are_refused()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.ClientWithBearer(fixture.AdminToken);

        var badRole = await (await client.PutAsync($"/api/v1/users/{target.Id}/roles", JsonContent.Create(new { roles = new[] { "Root" } }))).ShouldBeProblemAsync(400);
        badRole.GetProperty("errors").GetProperty("roles")[0].GetString()!.ShouldContain("Root");
        await (await client.PutAsync("/api/v1/users/no-such-user/roles", JsonContent.Create(new { roles = new[] { "Merchant" } }))).ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task Audit_events_api_validates_limit_and_records_the_read()
    {
        var token = await Factory.StaffTokenAsync(PortalRoles.Compliance);
        using var client = Factory.ClientWithBearer(token);

        (await (await client.GetAsync("/api/v1/audit/events?limit=0")).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("limit", out _).ShouldBeTrue();
        await (await client.GetAsync("/api/v1/audit/events?limit=abc")).ShouldBeProblemAsync(400);
        // The two token issuances are events already, so a page of one has a next cursor.
        var page = await (await client.GetAsync("/api/v1/audit/events?limit=1")).JsonAsync();
        page.GetProperty("data").GetArrayLength().ShouldBe(1);
        var first = page.GetProperty("data")[0].GetProperty("sequence").GetInt64();
        var next = page.GetProperty("next_cursor").GetString()!;
        var older = await (await client.GetAsync($"/api/v1/audit/events?limit=1&cursor={Uri.EscapeDataString(next)}")).JsonAsync();
        older.GetProperty("data")[0].GetProperty("sequence").GetInt64().ShouldBeLessThan(first);
        // A cursor is bound to its filters, and a forged one is a 400 naming it.
        (await (await client.GetAsync($"/api/v1/audit/events?limit=1&area=auth&cursor={Uri.EscapeDataString(next)}")).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("cursor", out _).ShouldBeTrue();
        await (await client.GetAsync("/api/v1/audit/events?cursor=eyJQIjp7IkJlZm9yZSI6OTl9LCJGIjoiIn0.AAAA")).ShouldBeProblemAsync(400);
        var verify = await (await client.PostAsync("/api/v1/audit/verify", null)).JsonAsync();
        verify.GetProperty("is_intact").GetBoolean().ShouldBeTrue();
        var reads = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.AuditRead, Limit: 10));
        reads.Events.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Openapi_document_and_reference_page_are_served()
    {
        using var client = Factory.CreateClient();
        var doc = await (await client.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        doc.ShouldContain("/api/v1/auth/token");
        doc.ShouldContain("/api/v1/audit/events");
        using var reference = await client.GetAsync("/api/reference/");
        reference.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task AssertRolesAsync(string userId, params string[] expected)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        (await users.GetRolesAsync((await users.FindByIdAsync(userId))!)).ShouldBe(expected, ignoreOrder: true);
    }
}
