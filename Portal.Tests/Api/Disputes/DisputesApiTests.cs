using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Disputes;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Disputes;

/// <summary>/api/v1/disputes over HTTP: tenant isolation, field-naming 400s, card numbers refused, submit once, not after the deadline.</summary>
public sealed class DisputesApiTests(DisputesApiTests.Fixture fixture) : IClassFixture<DisputesApiTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public PortalFactory Factory { get; }

        public Fixture() => Factory = new PortalFactory().WithServices(s => s.AddSingleton<TimeProvider>(Clock));

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>An approved merchant's API client and a dispute opened on one of its payments by the sandbox's dispute token.</summary>
    private async Task<(HttpClient Client, string DisputeId, string PaymentId)> DisputedAsync()
    {
        var (_, key) = await Factory.ApprovedMerchantKeyAsync();
        var client = Factory.ClientWithBearer(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = Json($$"""{"amount": 4200, "currency": "usd", "customer_id": "cus_dispute", "payment_method": "{{SandboxProcessor.Disputed}}"}"""),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var paid = await client.SendAsync(request);
        var payment = JsonDocument.Parse(await paid.Content.ReadAsStringAsync()).RootElement;
        paid.StatusCode.ShouldBe(HttpStatusCode.Created, payment.ToString());
        var list = await GetJsonAsync(client, "/api/v1/disputes");
        var dispute = list.GetProperty("data").EnumerateArray().Single();
        return (client, dispute.GetProperty("id").GetString()!, payment.GetProperty("id").GetString()!);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_disputed_payment_shows_its_dispute_in_the_list_and_by_id()
    {
        var (client, id, paymentId) = await DisputedAsync();

        var dispute = await GetJsonAsync(client, $"/api/v1/disputes/{id}");

        id.ShouldStartWith("dp_");
        dispute.GetProperty("object").GetString().ShouldBe("dispute");
        dispute.GetProperty("payment_id").GetString().ShouldBe(paymentId);
        dispute.GetProperty("status").GetString().ShouldBe("needs_response");
        dispute.GetProperty("evidence_status").GetString().ShouldBe("none");
        dispute.GetProperty("amount").GetInt64().ShouldBe(4200);
        dispute.GetProperty("currency").GetString().ShouldBe("usd");
        dispute.GetProperty("evidence_due_by").GetDateTimeOffset().ShouldBe(fixture.Clock.GetUtcNow().AddDays(7), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Another_merchants_dispute_is_404_for_reads_and_writes()
    {
        var (_, id, _) = await DisputedAsync();
        var (other, _, _) = await DisputedAsync();

        (await (await other.GetAsync($"/api/v1/disputes/{id}")).ShouldBeProblemAsync(404)).GetProperty("title").GetString().ShouldBe("No such dispute");
        await (await other.PostAsync($"/api/v1/disputes/{id}/evidence", Json("""{"explanation": "mine"}"""))).ShouldBeProblemAsync(404);
        await (await other.PostAsync($"/api/v1/disputes/{id}/submit", Json("{}"))).ShouldBeProblemAsync(404);
        await (await other.PostAsync($"/api/v1/disputes/{id}/accept", Json("{}"))).ShouldBeProblemAsync(404);
        (await GetJsonAsync(other, "/api/v1/disputes")).GetProperty("data").EnumerateArray().Select(d => d.GetProperty("id").GetString()).ShouldNotContain(id);
        await (await other.GetAsync("/api/v1/disputes/pay_0190a2b3c4d5e6f708192a3b4c5d6e7f")).ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task Bad_fields_are_a_400_naming_each_field()
    {
        var (client, id, _) = await DisputedAsync();

        using var response = await client.PostAsync($"/api/v1/disputes/{id}/evidence",
            Json($$"""{"customer_email_address": "nobody", "service_date": "30/11/2026", "explanation": "{{new string('x', EvidenceValidator.MaxExplanationLength + 1)}}"}"""));

        var errors = (await response.ShouldBeProblemAsync(400)).GetProperty("errors");
        errors.TryGetProperty("customer_email_address", out _).ShouldBeTrue();
        errors.TryGetProperty("service_date", out _).ShouldBeTrue();
        errors.TryGetProperty("explanation", out _).ShouldBeTrue();
        var listing = await client.GetAsync("/api/v1/disputes?status=open&limit=x");
        var listErrors = (await listing.ShouldBeProblemAsync(400)).GetProperty("errors");
        listErrors.TryGetProperty("status", out _).ShouldBeTrue();
        listErrors.TryGetProperty("limit", out _).ShouldBeTrue();
        (await (await client.GetAsync("/api/v1/disputes?cursor=forged.cursor")).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("cursor", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Evidence_with_a_card_number_is_refused_naming_the_field_and_never_echoed()
    {
        var (client, id, _) = await DisputedAsync();

        using var response = await client.PostAsync($"/api/v1/disputes/{id}/evidence", Json("""{"explanation": "The customer's card 4242-4242-4242-4242 was charged"}"""));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty("explanation", out _).ShouldBeTrue();
        problem.ToString().ShouldNotContain("4242");
        (await GetJsonAsync(client, $"/api/v1/disputes/{id}")).GetProperty("evidence_status").GetString().ShouldBe("none");
    }

    [Fact]
    public async Task Draft_then_submit_locks_the_evidence_and_a_second_submit_is_409()
    {
        var (client, id, _) = await DisputedAsync();

        using var saved = await client.PostAsync($"/api/v1/disputes/{id}/evidence", Json("""{"product_description": "Blue silk scarf", "explanation": "Delivered.", "version": 1}"""));
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        using var stale = await client.PostAsync($"/api/v1/disputes/{id}/evidence", Json("""{"explanation": "Stale.", "version": 1}"""));
        (await stale.ShouldBeProblemAsync(409)).GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("Someone else changed this dispute");

        using var submitted = await client.PostAsync($"/api/v1/disputes/{id}/submit", Json("{}"));
        var body = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement;
        submitted.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("status").GetString().ShouldBe("under_review");
        body.GetProperty("evidence_status").GetString().ShouldBe("submitted");

        (await (await client.PostAsync($"/api/v1/disputes/{id}/submit", Json("{}"))).ShouldBeProblemAsync(409)).GetProperty("detail").GetString()
            .ShouldNotBeNull().ShouldContain("already submitted");
        await (await client.PostAsync($"/api/v1/disputes/{id}/evidence", Json("""{"explanation": "Later."}"""))).ShouldBeProblemAsync(409);
        (await GetJsonAsync(client, $"/api/v1/disputes/{id}")).GetProperty("evidence").GetProperty("explanation").GetString().ShouldBe("Delivered.");
    }

    [Fact]
    public async Task Submitting_after_the_deadline_is_422_and_the_dispute_reads_as_expired()
    {
        var (client, id, _) = await DisputedAsync();
        await client.PostAsync($"/api/v1/disputes/{id}/evidence", Json("""{"explanation": "Delivered."}"""));
        var store = Factory.Services.GetRequiredService<IDisputeStore>();
        var dispute = (await store.GetAsync(DisputeId.Parse(id, null).Value, CancellationToken.None))!;
        // Only this dispute's deadline moves (other tests share the clock).
        await store.UpdateAsync(dispute with { EvidenceDueBy = fixture.Clock.GetUtcNow().AddMinutes(-1), Version = dispute.Version + 1 }, dispute.Version, CancellationToken.None);

        var problem = await (await client.PostAsync($"/api/v1/disputes/{id}/submit", Json("{}"))).ShouldBeProblemAsync(422);

        problem.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("deadline passed");
        (await GetJsonAsync(client, $"/api/v1/disputes/{id}")).GetProperty("status").GetString().ShouldBe("expired");
        (await GetJsonAsync(client, $"/api/v1/disputes/{id}")).GetProperty("evidence_status").GetString().ShouldBe("draft");
    }

    [Fact]
    public async Task Accepting_closes_the_dispute()
    {
        var (client, id, _) = await DisputedAsync();

        using var accepted = await client.PostAsync($"/api/v1/disputes/{id}/accept", null);

        accepted.StatusCode.ShouldBe(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        (await GetJsonAsync(client, $"/api/v1/disputes/{id}")).GetProperty("status").GetString().ShouldBe("accepted");
    }

    [Fact]
    public async Task Staff_tokens_cannot_use_the_merchant_dispute_api()
    {
        var admin = Factory.ClientWithBearer(await Factory.StaffTokenAsync(Portal.Auth.PortalRoles.Admin));

        await (await admin.GetAsync("/api/v1/disputes")).ShouldBeProblemAsync(403);
    }
}
