using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Core.Diagnostics;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>
/// Issue 19: one trace id per API request. A caller's W3C <c>traceparent</c> is continued (else ASP.NET Core starts a trace),
/// and its trace id is on the answer (header and problem body), on the audit events and on the outbox events it wrote.
/// </summary>
public sealed class TraceIdTests(TraceIdTests.Fixture fixture) : IClassFixture<TraceIdTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public ValueTask InitializeAsync() => ValueTask.CompletedTask;

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private static (string TraceId, string TraceParent) NewTrace()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        return (traceId, $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
    }

    [Fact]
    public async Task A_payments_trace_id_is_on_the_answer_and_on_every_outbox_event_it_wrote()
    {
        var (_, key) = await Factory.ApprovedMerchantKeyAsync();
        using var client = Factory.ClientWithBearer(key);
        var (traceId, traceParent) = NewTrace();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = new StringContent($$"""{"amount": 2500, "currency": "usd", "customer_id": "cus_trace", "payment_method": "{{SandboxProcessor.Success}}", "order_id": "ord_trace"}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        request.Headers.Add("traceparent", traceParent);

        using var response = await client.SendAsync(request);

        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        response.Headers.GetValues(TraceIds.Header).Single().ShouldBe(traceId);
        var paymentId = Guid.ParseExact(body.GetProperty("id").GetString()![4..], "N");
        var events = await Factory.Services.GetRequiredService<IEventOutbox>().ForPaymentAsync(paymentId, CancellationToken.None);
        events.ShouldNotBeEmpty();
        events.ShouldAllBe(e => e.TraceId == traceId);
    }

    [Fact]
    public async Task A_refused_calls_problem_body_names_its_trace_and_the_audit_event_is_found_by_it()
    {
        var (_, key) = await Factory.ApprovedMerchantKeyAsync();
        using var client = Factory.ClientWithBearer(key);
        var (traceId, traceParent) = NewTrace();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/audit/events");
        request.Headers.Add("traceparent", traceParent);

        using var response = await client.SendAsync(request);

        var problem = await response.ShouldBeProblemAsync(403);
        problem.GetProperty("trace_id").GetString().ShouldBe(traceId);
        response.Headers.GetValues(TraceIds.Header).Single().ShouldBe(traceId);
        var touched = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(TraceId: traceId));
        touched.Events.ShouldNotBeEmpty();
        touched.Events.ShouldAllBe(e => e.TraceId == traceId);
        touched.Events.ShouldContain(e => e.Outcome == AuditOutcome.Denied);
    }

    [Fact]
    public async Task Without_a_traceparent_each_request_still_gets_its_own_trace_id()
    {
        var token = await Factory.StaffTokenAsync(PortalRoles.Compliance);
        using var client = Factory.ClientWithBearer(token);

        using var first = await client.GetAsync("/api/v1/me");
        using var second = await client.GetAsync("/api/v1/me");

        var ids = new[] { first, second }.Select(r => r.Headers.GetValues(TraceIds.Header).Single()).ToList();
        ids.ShouldAllBe(id => TraceIds.IsValid(id));
        ids.Distinct().Count().ShouldBe(2);
    }

    [Fact]
    public async Task The_audit_chain_still_verifies_with_trace_ids_in_it()
    {
        var token = await Factory.StaffTokenAsync(PortalRoles.Compliance);
        using var client = Factory.ClientWithBearer(token);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/audit/events?limit=1");
        request.Headers.Add("traceparent", NewTrace().TraceParent);
        (await client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await Factory.Services.GetRequiredService<IAuditLog>().VerifyAsync()).IsIntact.ShouldBeTrue();
    }
}
