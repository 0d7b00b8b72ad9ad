using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
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

        public string AdminUserId { get; private set; } = "";

        public string ComplianceUserId { get; private set; } = "";

        /// <summary>A registered (approved) merchant, so that a refusal of staff is the policy's and not a 404 for a missing record.</summary>
        public Guid MerchantId { get; private set; }

        public async ValueTask InitializeAsync()
        {
            Credentials["anonymous"] = null;
            Credentials["merchant_key"] = (await Factory.MerchantKeyAsync()).Secret;
            (var admin, Credentials["admin_token"]) = await Factory.StaffWithTokenAsync(PortalRoles.Admin);
            (var compliance, Credentials["compliance_token"]) = await Factory.StaffWithTokenAsync(PortalRoles.Compliance);
            AdminUserId = admin.Id;
            ComplianceUserId = compliance.Id;
            MerchantId = (await Factory.ApprovedMerchantKeyAsync()).Merchant.MerchantId!.Value;
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
        Row("POST", "/api/v1/merchants", 401, 400, 400, 403);
        Row("GET", "/api/v1/audit/events", 401, 403, 403, 200);
        Row("POST", "/api/v1/audit/verify", 401, 403, 403, 200);
        Row("GET", "/api/v1/operations/self-check", 401, 403, 200, 200);
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
    public async Task Me_reports_the_merchant_behind_an_api_key_as_mer_id()
    {
        var (merchant, secret) = await fixture.Factory.MerchantKeyAsync();
        using var client = fixture.Factory.ClientWithBearer(secret);

        var me = await (await client.GetAsync("/api/v1/me")).JsonAsync();

        // The one wire form of a merchant id, as every other endpoint writes it (not a bare GUID).
        me.GetProperty("merchant_id").GetString().ShouldBe($"mer_{merchant.MerchantId:N}");
        me.GetProperty("role").GetString().ShouldBe("Merchant");
        me.GetProperty("authenticated_with").GetString().ShouldBe("api_key");
    }

    [Fact]
    public async Task Responses_name_a_merchant_only_by_its_mer_id()
    {
        var (merchant, secret) = await fixture.Factory.ApprovedMerchantKeyAsync();
        var id = merchant.MerchantId!.Value;
        using var client = fixture.Factory.ClientWithBearer(secret);
        using var pay = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = JsonContent.Create(new { amount = 1500, currency = "USD", customer_id = "cus_1", payment_method = Portal.Core.Payments.SandboxProcessor.Success }),
        };
        pay.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var created = await client.SendAsync(pay);
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
        string[] reads = ["/api/v1/me", $"/api/v1/merchants/mer_{id:N}", $"/api/v1/merchants/mer_{id:N}/documents", "/api/v1/payments"];

        foreach (var path in reads)
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{path}: {body}");
            body.ShouldNotContain(id.ToString(), customMessage: path);
            body.Replace($"mer_{id:N}", "", StringComparison.Ordinal).ShouldNotContain(id.ToString("N"), customMessage: path);
        }
    }

    [Fact]
    public async Task A_compliance_read_of_a_payment_is_audited()
    {
        var (_, secret) = await fixture.Factory.ApprovedMerchantKeyAsync();
        using var merchant = fixture.Factory.ClientWithBearer(secret);
        using var pay = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = JsonContent.Create(new { amount = 1500, currency = "USD", customer_id = "cus_1", payment_method = Portal.Core.Payments.SandboxProcessor.Success, ip_address = "197.210.1.1" }),
        };
        pay.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var created = await merchant.SendAsync(pay);
        var paymentId = (await created.JsonAsync()).GetProperty("id").GetString()!;
        using var compliance = fixture.Factory.ClientWithBearer(fixture.Credentials["compliance_token"]!);

        using var response = await compliance.GetAsync($"/api/v1/payments/{paymentId}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var events = await fixture.Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.PaymentViewed, ActorId: fixture.ComplianceUserId));
        events.Events.ShouldContain(e => e.ActorRole == PortalRoles.Compliance && e.Target == paymentId);
    }

    /// <summary>Operations that use POST but change nothing a Compliance user could abuse; each is reviewed here by name.</summary>
    private static readonly HashSet<string> NotStateChanges =
    [
        "POST /api/v1/audit/verify", // recomputes the hash chain and reports; Compliance's own duty
        "POST /api/v1/auth/token", // anonymous sign-in
        "POST /api/v1/webhooks/stripe", // the processor's signed notifications; no portal credential is involved
    ];

    [Fact]
    public async Task Compliance_is_refused_by_every_api_operation_that_changes_state()
    {
        // Enumerated from the running app, so an operation added later is covered without editing this test.
        var writes = fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE")
                .Select(m => (Method: m, Path: WithoutConstraints(e.RoutePattern.RawText!).TrimEnd('/'))))
            .Where(op => !NotStateChanges.Contains($"{op.Method} {op.Path}"))
            .Distinct()
            .ToList();
        writes.ShouldContain(("POST", "/api/v1/merchants"));
        writes.ShouldContain(("PUT", "/api/v1/merchants/{merchantId}/documents/{type}"));

        var answers = new List<string>();
        foreach (var (method, pattern) in writes)
        {
            using var client = fixture.Factory.ClientWithBearer(fixture.Credentials["compliance_token"]!);
            using var request = new HttpRequestMessage(new HttpMethod(method), Concrete(pattern)) { Content = JsonContent.Create(new { }) };
            using var response = await client.SendAsync(request);
            answers.Add($"{method} {pattern} -> {(int)response.StatusCode}");
        }

        // 403 from a policy or a service; 404 where a service hides a record the caller may not touch (documents).
        answers.ShouldAllBe(a => a.EndsWith("-> 403", StringComparison.Ordinal) || a.EndsWith("-> 404", StringComparison.Ordinal), string.Join("\n", answers));
    }

    [Fact]
    public async Task Compliance_reaches_only_reviewed_read_only_pages()
    {
        // Pages that admit Compliance (its policy, Staff, SignedIn or any signed-in user), each reviewed as read-only:
        // the audit log (filters, chain verification) and the reports. Every other page action is an Admin's or a merchant's.
        // The merchant record (issue 19) is read-only for everyone: no action buttons, links to admin pages only for admins.
        string[] reviewed = ["/", "/admin/merchants/{Id:guid}/record", "/compliance/audit", "/compliance/reports"];
        var compliancePolicies = new HashSet<string?> { null, PortalPolicies.Compliance, PortalPolicies.Staff, PortalPolicies.SignedIn };
        var pages = typeof(PortalPolicies).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes<RouteAttribute>().Any() && t.GetCustomAttribute<AuthorizeAttribute>() is { } authorize
                && compliancePolicies.Contains(authorize.Policy)
                && (authorize.Roles is null || authorize.Roles.Contains(PortalRoles.Compliance, StringComparison.Ordinal)))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => r.Template))
            .Where(template => !template.StartsWith("/account", StringComparison.Ordinal)) // one's own account: sign-in, MFA
            .Order(StringComparer.Ordinal)
            .ToList();

        pages.ShouldBe(reviewed.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Nobody_changes_their_own_roles_and_the_attempt_is_audited()
    {
        using var client = fixture.Factory.ClientWithBearer(fixture.Credentials["admin_token"]!);

        using var response = await client.PutAsJsonAsync($"/api/v1/users/{fixture.AdminUserId}/roles", new { roles = new[] { PortalRoles.Admin, PortalRoles.Compliance } });

        var problem = await response.ShouldBeProblemAsync(403);
        problem.GetProperty("detail").GetString()!.ShouldContain("own roles");
        var events = await fixture.Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.RolesChanged, ActorId: fixture.AdminUserId));
        events.Events.ShouldContain(e => e.Outcome == AuditOutcome.Denied && e.Target == $"user:{fixture.AdminUserId}");
    }

    [Fact]
    public async Task A_compliance_read_of_a_merchants_personal_data_is_audited()
    {
        using var client = fixture.Factory.ClientWithBearer(fixture.Credentials["compliance_token"]!);

        using var response = await client.GetAsync($"/api/v1/merchants/mer_{fixture.MerchantId:N}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.JsonAsync()).GetProperty("contact_email").GetString().ShouldNotBeNullOrEmpty();
        var events = await fixture.Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "merchant.viewed", ActorId: fixture.ComplianceUserId));
        events.Events.ShouldContain(e => e.ActorRole == PortalRoles.Compliance && e.Target == $"mer_{fixture.MerchantId:N}" && e.Detail == "pii");
    }

    /// <summary>"{paymentId:payment_id}" as "{paymentId}": the parameter's name, without its route constraint.</summary>
    private static string WithoutConstraints(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+):[^}]+\}", "{$1}");

    /// <summary>A route pattern with real or well-formed values, so that each refusal is the policy's, not a parse error's.</summary>
    private string Concrete(string pattern) => pattern
        .Replace("{merchantId}", $"mer_{fixture.MerchantId:N}", StringComparison.Ordinal)
        .Replace("{type}", "certificate_of_incorporation", StringComparison.Ordinal)
        .Replace("{userId}", fixture.TargetUserId, StringComparison.Ordinal)
        .Replace("{paymentId}", "pay_0190a2b3c4d5e6f708192a3b4c5d6e7f", StringComparison.Ordinal)
        .Replace("{endpointId}", "we_0190a2b3c4d5e6f708192a3b4c5d6e7f", StringComparison.Ordinal)
        .Replace("{deliveryId}", "wd_0190a2b3c4d5e6f708192a3b4c5d6e7f", StringComparison.Ordinal);
}
