using System.Net.Http.Headers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Audit;

/// <summary>
/// Requirement 10 coverage of the API: every operation, enumerated from the running app's endpoint data source, is either
/// exercised here and must write its audit event, or is named in <see cref="NotAudited"/> with the reason. An operation
/// added later fails <see cref="Every_api_operation_is_covered_by_an_audit_case"/> until it is given one or the other.
/// </summary>
public sealed class AuditCoverageTests(AuditCoverageTests.Fixture fixture) : IClassFixture<AuditCoverageTests.Fixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Operations that write no audit event on success, each reviewed by name.</summary>
    private static readonly Dictionary<string, string> NotAudited = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/me"] = "the caller's own identity; nothing sensitive",
        ["GET /api/v1/audit/export-key"] = "the public key that checks exports; public by design",
        ["POST /api/v1/payments"] = "a merchant's own payment: recorded in the payment's event history (outbox), at payment throughput",
        ["POST /api/v1/webhooks/stripe"] = "the processor's signed notifications; no portal credential, recorded as payment events",
        ["GET /api/v1/webhook_endpoints"] = "a merchant reading its own webhook configuration (no secrets in it)",
        ["GET /api/v1/webhook_deliveries"] = "a merchant reading its own delivery log",
        ["GET /api/v1/disputes"] = "a merchant reading its own disputes (a staff or another merchant's read of one dispute is audited)",
        ["GET /api/v1/fraud/list_entries"] = "an admin reading the allow/block lists; every change to them is audited",
        ["GET /api/v1/fraud/rules"] = "an admin reading the rule versions (weights and thresholds, no personal data); drafts and publishing are audited",
    };

    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000");

        public Dictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Ids { get; } = new(StringComparer.Ordinal);

        public async ValueTask InitializeAsync()
        {
            Tokens["admin"] = await Factory.StaffTokenAsync(PortalRoles.Admin);
            Tokens["compliance"] = await Factory.StaffTokenAsync(PortalRoles.Compliance);
            var (approved, approvedKey) = await Factory.ApprovedMerchantKeyAsync();
            Tokens["merchant"] = approvedKey;
            Ids["merchantId"] = new MerchantId(approved.MerchantId!.Value).ToString();
            var (draft, draftKey) = await Factory.MerchantKeyAsync();
            Tokens["draft_merchant"] = draftKey;
            var cac = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            (await Factory.Services.GetRequiredService<MerchantService>().RegisterAsync(draft, new RegisterMerchantRequest("Coverage Draft Ltd", cac, "owner@coverage.example"))).Succeeded.ShouldBeTrue();
            Ids["draftMerchantId"] = new MerchantId(draft.MerchantId!.Value).ToString();
            var (_, unregisteredKey) = await Factory.MerchantKeyAsync();
            Tokens["new_merchant"] = unregisteredKey;
            Ids["userId"] = (await Factory.CreateUserAsync(PortalRoles.Merchant)).User.Id;
            Ids["tokenEmail"] = (await Factory.CreateUserAsync(PortalRoles.Admin)).User.Email!;

            using var merchant = Factory.ClientWithBearer(approvedKey);
            using var payment = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
            {
                Content = JsonContent.Create(new { amount = 2500, currency = "usd", customer_id = "cus_cov", payment_method = Portal.Core.Payments.SandboxProcessor.Success }),
            };
            payment.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var created = await merchant.SendAsync(payment);
            Ids["paymentId"] = (await created.JsonAsync()).GetProperty("id").GetString()!;
            for (var i = 0; i < 3; i++)
            {
                using var endpoint = await merchant.PostAsJsonAsync("/api/v1/webhook_endpoints", new { url = $"https://hooks{i}.example.com/portal", enabled_events = new[] { "*" } });
                Ids[$"endpointId{i}"] = (await endpoint.JsonAsync()).GetProperty("id").GetString()!;
            }

            using var draftClient = Factory.ClientWithBearer(draftKey);
            var documents = (await (await draftClient.GetAsync($"/api/v1/merchants/{Ids["draftMerchantId"]}/documents")).JsonAsync()).EnumerateArray().ToList();
            Ids["type"] = documents[0].GetProperty("type").GetString()!;
            using var upload = await draftClient.PutAsync($"/api/v1/merchants/{Ids["draftMerchantId"]}/documents/{Ids["type"]}", Pdf("%PDF-1.7\n%coverage\n"));
            Ids["versionId"] = (await upload.JsonAsync()).GetProperty("version_id").GetString()!;
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private static ByteArrayContent Pdf(string text)
    {
        var content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        return content;
    }

    private sealed record Case(string Method, string Route, string Caller, string Path, string Action, Func<HttpContent?>? Body = null, bool Idempotent = false);

    /// <summary>One case per audited operation: who calls it, on what, and the action it must write.</summary>
    private static IEnumerable<Case> Cases(Func<string, string> ids)
    {
        var absent = "_0190a2b3c4d5e6f708192a3b4c5d6e7f";
        yield return new("GET", "/api/v1/audit/events", "compliance", "/api/v1/audit/events?limit=5", AuditActions.AuditRead);
        yield return new("POST", "/api/v1/audit/verify", "compliance", "/api/v1/audit/verify", AuditActions.AuditVerified);
        yield return new("GET", "/api/v1/audit/export", "compliance", "/api/v1/audit/export?format=jsonl&area=auth", AuditActions.AuditExported);
        yield return new("POST", "/api/v1/auth/token", "anonymous", "/api/v1/auth/token", AuditActions.TokenIssued,
            () => JsonContent.Create(new { email = ids("tokenEmail"), password = "Wrong-password-1!", totp_code = "000000" }));
        yield return new("GET", "/api/v1/merchants/{merchantId}/documents", "merchant", $"/api/v1/merchants/{ids("draftMerchantId")}/documents", AuditActions.KycDocumentsListed);
        yield return new("PUT", "/api/v1/merchants/{merchantId}/documents/{type}", "draft_merchant", $"/api/v1/merchants/{ids("draftMerchantId")}/documents/{ids("type")}",
            AuditActions.KycDocumentUploaded, () => Pdf("%PDF-1.7\n%second\n"));
        yield return new("GET", "/api/v1/merchants/{merchantId}/documents/{type}/versions/{versionId}", "admin",
            $"/api/v1/merchants/{ids("draftMerchantId")}/documents/{ids("type")}/versions/{ids("versionId")}", AuditActions.KycDocumentViewed);
        yield return new("POST", "/api/v1/merchants", "new_merchant", "/api/v1/merchants", AuditActions.MerchantCreated,
            () => JsonContent.Create(new { business_name = "Coverage New Ltd", cac_number = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), contact_email = "new@coverage.example" }));
        yield return new("GET", "/api/v1/merchants", "admin", "/api/v1/merchants?limit=5", AuditActions.MerchantsListed);
        yield return new("GET", "/api/v1/merchants/{merchantId}", "compliance", $"/api/v1/merchants/{ids("merchantId")}", AuditActions.MerchantViewed);
        yield return new("GET", "/api/v1/payments", "compliance", "/api/v1/payments?limit=5", AuditActions.PaymentsListed);
        yield return new("GET", "/api/v1/payments/{paymentId}", "compliance", $"/api/v1/payments/{ids("paymentId")}", AuditActions.PaymentViewed);
        yield return new("POST", "/api/v1/payments/{paymentId}/refunds", "merchant", $"/api/v1/payments/{ids("paymentId")}/refunds", AuditActions.PaymentRefunded,
            () => JsonContent.Create(new { amount = 100 }), Idempotent: true);
        yield return new("PUT", "/api/v1/users/{userId}/roles", "admin", $"/api/v1/users/{ids("userId")}/roles", AuditActions.RolesChanged,
            () => JsonContent.Create(new { roles = new[] { "Merchant" } }));
        // Four-eyes role grants (issue 19): answering when nothing is pending is a refused change, on the record.
        yield return new("POST", "/api/v1/users/{userId}/roles/proposal/confirm", "admin", $"/api/v1/users/{ids("userId")}/roles/proposal/confirm", AuditActions.RolesChanged);
        yield return new("POST", "/api/v1/users/{userId}/roles/proposal/send-back", "admin", $"/api/v1/users/{ids("userId")}/roles/proposal/send-back", AuditActions.RolesSentBack,
            () => JsonContent.Create(new { note = "coverage" }));
        yield return new("POST", "/api/v1/webhook_endpoints", "merchant", "/api/v1/webhook_endpoints", AuditActions.WebhookEndpointCreated,
            () => JsonContent.Create(new { url = "https://hooks.example.com/created", enabled_events = new[] { "*" } }));
        // Another tenant's (or no) id: the 404 is the event (access.not_found), recorded for any operation with an id.
        yield return new("GET", "/api/v1/webhook_endpoints/{endpointId}", "merchant", $"/api/v1/webhook_endpoints/we{absent}", AuditActions.NotFoundForeign);
        yield return new("POST", "/api/v1/webhook_endpoints/{endpointId}", "merchant", $"/api/v1/webhook_endpoints/{ids("endpointId0")}", AuditActions.WebhookEndpointUpdated,
            () => JsonContent.Create(new { enabled = false }));
        yield return new("DELETE", "/api/v1/webhook_endpoints/{endpointId}", "merchant", $"/api/v1/webhook_endpoints/{ids("endpointId1")}", AuditActions.WebhookEndpointDeleted);
        yield return new("POST", "/api/v1/webhook_endpoints/{endpointId}/roll_secret", "merchant", $"/api/v1/webhook_endpoints/{ids("endpointId2")}/roll_secret", AuditActions.WebhookSecretRolled);
        yield return new("GET", "/api/v1/webhook_deliveries/{deliveryId}", "merchant", $"/api/v1/webhook_deliveries/wd{absent}", AuditActions.NotFoundForeign);
        yield return new("POST", "/api/v1/webhook_deliveries/{deliveryId}/replay", "merchant", $"/api/v1/webhook_deliveries/wd{absent}/replay", AuditActions.NotFoundForeign);
        // Fraud lists and rules (issue 16): Admin only. A refused caller is recorded by the pipeline (access.denied).
        yield return new("POST", "/api/v1/fraud/list_entries", "admin", "/api/v1/fraud/list_entries", AuditActions.FraudListEntryAdded,
            () => JsonContent.Create(new { list = "block", subject = "country", value = "KP", reason = "coverage check" }));
        yield return new("POST", "/api/v1/fraud/list_entries/{entryId}/expire", "admin", $"/api/v1/fraud/list_entries/fle{absent}/expire", AuditActions.NotFoundForeign,
            () => JsonContent.Create(new { version = 1 }));
        yield return new("POST", "/api/v1/fraud/list_entries/import", "admin", "/api/v1/fraud/list_entries/import", AuditActions.FraudListImported,
            () => new StringContent("list,subject,value,reason,expires_at,merchant_id\nblock,country,ZZ,unknown country,,\n", System.Text.Encoding.UTF8, "text/csv"));
        yield return new("PUT", "/api/v1/fraud/rules/draft", "compliance", "/api/v1/fraud/rules/draft", AuditActions.AccessDenied,
            () => JsonContent.Create(new { revision = 0 }));
        yield return new("POST", "/api/v1/fraud/rules/draft/publish", "compliance", "/api/v1/fraud/rules/draft/publish", AuditActions.AccessDenied,
            () => JsonContent.Create(new { revision = 0 }));
        // Operations (issue 19): the self-check is for staff; a merchant's call is the 403 event.
        yield return new("GET", "/api/v1/operations/self-check", "merchant", "/api/v1/operations/self-check", AuditActions.AccessDenied);
        // Disputes (issue 17): another merchant's (or no) dispute is the 404 event; the changes themselves are audited by DisputeService.
        yield return new("GET", "/api/v1/disputes/{disputeId}", "merchant", $"/api/v1/disputes/dp{absent}", AuditActions.NotFoundForeign);
        yield return new("POST", "/api/v1/disputes/{disputeId}/evidence", "merchant", $"/api/v1/disputes/dp{absent}/evidence", AuditActions.NotFoundForeign,
            () => JsonContent.Create(new { explanation = "coverage", version = 1 }));
        yield return new("POST", "/api/v1/disputes/{disputeId}/submit", "merchant", $"/api/v1/disputes/dp{absent}/submit", AuditActions.NotFoundForeign,
            () => JsonContent.Create(new { version = 1 }));
        yield return new("POST", "/api/v1/disputes/{disputeId}/accept", "merchant", $"/api/v1/disputes/dp{absent}/accept", AuditActions.NotFoundForeign,
            () => JsonContent.Create(new { version = 1 }));
    }

    private List<(string Method, string Route)> Operations() =>
        fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Route: System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!, @"\{(\w+):[^}]+\}", "{$1}").TrimEnd('/'))))
            .Distinct()
            .ToList();

    [Fact]
    public void Every_api_operation_is_covered_by_an_audit_case()
    {
        var operations = Operations();
        operations.Count.ShouldBeGreaterThan(20);
        var covered = Cases(k => fixture.Ids[k]).Select(c => $"{c.Method} {c.Route}").Concat(NotAudited.Keys).ToHashSet(StringComparer.Ordinal);

        operations.Select(o => $"{o.Method} {o.Route}").Where(o => !covered.Contains(o)).ShouldBeEmpty("API operations with no audit case and no reviewed exemption");
        covered.Except(operations.Select(o => $"{o.Method} {o.Route}")).ShouldBeEmpty("audit cases for operations that no longer exist");
    }

    public static TheoryData<string> CaseNames() => new(Cases(_ => "x").Select(c => $"{c.Method} {c.Route}"));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_api_operation_writes_its_audit_event(string operation)
    {
        var test = Cases(k => fixture.Ids[k]).Single(c => $"{c.Method} {c.Route}" == operation);
        var audit = fixture.Factory.Services.GetRequiredService<AuditService>();
        var before = (await audit.QueryAsync(new AuditQuery(Limit: 1, CountTotal: false), Ct)).Events[0].Sequence;
        using var client = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(test.Method), test.Path) { Content = test.Body?.Invoke() };
        if (test.Caller != "anonymous")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens[test.Caller]);
        }

        if (test.Idempotent)
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        }

        using var response = await client.SendAsync(request, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);

        var written = await audit.QueryAsync(new AuditQuery(Limit: 50, Action: test.Action, CountTotal: false), Ct);
        written.Events.Where(e => e.Sequence > before).ShouldNotBeEmpty(
            $"{operation} as {test.Caller} answered {(int)response.StatusCode} and wrote no {test.Action} event: {await response.Content.ReadAsStringAsync(Ct)}");
    }
}
