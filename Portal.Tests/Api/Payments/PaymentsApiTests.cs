using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Payments;

public sealed class PaymentsApiTests(PaymentsApiTests.Fixture fixture) : IClassFixture<PaymentsApiTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public string AdminToken { get; private set; } = "";

        public async ValueTask InitializeAsync() => AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private PortalFactory Factory => fixture.Factory;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(HttpClient Client, Guid MerchantId)> MerchantAsync()
    {
        var (merchant, key) = await Factory.ApprovedMerchantKeyAsync();
        return (Factory.ClientWithBearer(key), merchant.MerchantId!.Value);
    }

    private static string Customer() => "cus_" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<HttpResponseMessage> PayAsync(HttpClient client, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = new StringContent(JsonSerializer.Serialize(body, Snake), Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    private static object Body(string customer, long amount = 2500, string token = SandboxProcessor.Success, string? device = null, string? country = null, string? order = null) =>
        new { amount, currency = "usd", customer_id = customer, payment_method = token, device_id = device, country, order_id = order ?? UniqueOrder() };

    // Letters only: a random hex id holds a Luhn-valid run of 13+ digits about once in 250 and would be refused as a card number.
    private static string UniqueOrder() => "ord_" + string.Concat(Guid.NewGuid().ToByteArray().Select(b => (char)('a' + (b % 16))));

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_sandbox_payment_succeeds_and_its_events_are_in_the_outbox()
    {
        var (client, _) = await MerchantAsync();
        using var response = await PayAsync(client, new { amount = 2500, currency = "USD", customer_id = "cus_1", payment_method = SandboxProcessor.Success, metadata = new { cart = "c-9" } }, Guid.NewGuid().ToString());

        var payment = await CreatedAsync(response);
        var id = payment.GetProperty("id").GetString()!;
        id.ShouldStartWith("pay_");
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/payments/{id}");
        payment.GetProperty("status").GetString().ShouldBe("succeeded");
        payment.GetProperty("currency").GetString().ShouldBe("usd");
        payment.GetProperty("metadata").GetProperty("cart").GetString().ShouldBe("c-9");
        payment.GetProperty("processor").GetString().ShouldBe("sandbox");

        var events = await Factory.Services.GetRequiredService<IEventOutbox>().ForPaymentAsync(Guid.ParseExact(id[4..], "N"), CancellationToken.None);
        events.Select(e => e.Type).ShouldBe([PaymentEventTypes.Initiated, PaymentEventTypes.Succeeded]);

        using var fetched = await client.GetAsync($"/api/v1/payments/{id}");
        (await fetched.JsonAsync()).GetProperty("status").GetString().ShouldBe("succeeded");
    }

    [Fact]
    public async Task Naira_in_kobo_is_accepted_by_default()
    {
        var (client, _) = await MerchantAsync();
        using var response = await PayAsync(client, new { amount = 125_050, currency = "ngn", customer_id = "cus_ng", payment_method = SandboxProcessor.Success }, Guid.NewGuid().ToString());

        var payment = await CreatedAsync(response);
        payment.GetProperty("currency").GetString().ShouldBe("ngn");
        payment.GetProperty("amount").GetInt64().ShouldBe(125_050);
    }

    [Fact]
    public async Task Invalid_fields_are_named()
    {
        var (client, _) = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/payments", Json("""{"amount": 0, "currency": "jpy", "payment_method": "visa", "country": "nigeria", "ip_address": "1.2.3"}"""));

        var problem = await response.ShouldBeProblemAsync(400);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "amount", "currency", "customer_id", "payment_method", "country", "ip_address" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }
    }

    [Theory]
    [InlineData("""{"amount": "2500", "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa"}""", "amount")]
    [InlineData("""{"amount": 25.5, "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa"}""", "amount")]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa", "status": "succeeded"}""", "status")]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa", "metadata": {"n": 5}}""", "metadata.n")]
    [InlineData("""{"amount": 2500, """, "body")]
    public async Task Malformed_bodies_are_400_and_create_nothing(string json, string field)
    {
        var (client, _) = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/payments", Json(json));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldContain(field);
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        var (client, _) = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/payments", new StringContent("amount=1", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await response.ShouldBeProblemAsync(415);
    }

    [Theory]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "c", "payment_method": "4242424242424242"}""")]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa", "metadata": {"note": "card 4111 1111 1111 1111 exp 12/30"}}""")]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa", "metadata": {"pan": "5555-5555-5555-4444"}}""")]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "c", "payment_method": "pm_card_visa", "card": 4000056655665556}""")]
    [InlineData("""{"amount": 2500, "currency": "usd", "customer_id": "\u0034\u0032\u0034\u0032424242424242", "payment_method": "pm_card_visa"}""")]
    public async Task Anything_that_looks_like_a_card_number_is_refused_and_never_logged_or_stored(string json)
    {
        var (client, _) = await MerchantAsync();
        using var response = await client.PostAsync("/api/v1/payments", Json(json));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("title").GetString().ShouldBe("Card data is not accepted");
        var text = problem.ToString();
        foreach (var pan in new[] { "4242424242424242", "4111 1111 1111 1111", "5555-5555-5555-4444", "4000056655665556" })
        {
            text.ShouldNotContain(pan);
            Factory.Logs.ShouldAllBe(line => !line.Contains(pan, StringComparison.Ordinal));
        }

        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_long_number_that_fails_the_Luhn_check_is_not_a_card()
    {
        var (client, _) = await MerchantAsync();
        using var response = await PayAsync(client, Body(Customer(), order: "4242424242424241"));
        (await CreatedAsync(response)).GetProperty("order_id").GetString().ShouldBe("4242424242424241");
    }

    [Fact]
    public async Task Only_approved_merchants_take_payments_and_staff_cannot_create_them()
    {
        var (_, key) = await Factory.MerchantKeyAsync();
        using var unapproved = Factory.ClientWithBearer(key);
        using var refused = await PayAsync(unapproved, Body(Customer()));
        await refused.ShouldBeProblemAsync(403);

        using var admin = Factory.ClientWithBearer(fixture.AdminToken);
        using var staff = await PayAsync(admin, Body(Customer()));
        ((int)staff.StatusCode).ShouldBe(403);
    }

    [Fact]
    public async Task Replaying_a_key_returns_the_original_answer_and_creates_nothing_new()
    {
        var (client, _) = await MerchantAsync();
        var key = Guid.NewGuid().ToString();
        var body = Body(Customer());
        using var first = await PayAsync(client, body, key);
        var firstText = await first.Content.ReadAsStringAsync();
        using var second = await PayAsync(client, body, key);

        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Content.ReadAsStringAsync()).ShouldBe(firstText);
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422()
    {
        var (client, _) = await MerchantAsync();
        var key = Guid.NewGuid().ToString();
        var customer = Customer();
        using var first = await PayAsync(client, Body(customer, 2500, order: "o-1"), key);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        using var second = await PayAsync(client, Body(customer, 9900, order: "o-1"), key);

        await second.ShouldBeProblemAsync(422);
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_merchant()
    {
        var (one, _) = await MerchantAsync();
        var (two, _) = await MerchantAsync();
        var key = Guid.NewGuid().ToString();
        var a = await CreatedAsync(await PayAsync(one, Body(Customer(), order: "o-1"), key));
        var b = await CreatedAsync(await PayAsync(two, Body(Customer(), order: "o-2"), key));
        a.GetProperty("id").GetString().ShouldNotBe(b.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_create_exactly_one_payment()
    {
        var (client, _) = await MerchantAsync();
        var key = Guid.NewGuid().ToString();
        var body = Body(Customer());
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PayAsync(client, body, key)));

        var ids = new HashSet<string>();
        foreach (var response in responses)
        {
            ids.Add((await CreatedAsync(response)).GetProperty("id").GetString()!);
            response.Dispose();
        }

        ids.Count.ShouldBe(1);
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Without_a_key_one_is_derived_from_merchant_amount_currency_customer_and_order()
    {
        var (client, _) = await MerchantAsync();
        var customer = Customer();
        using var first = await PayAsync(client, Body(customer, order: "o-7"));
        using var again = await PayAsync(client, Body(customer, order: "o-7"));
        using var otherOrder = await PayAsync(client, Body(customer, order: "o-8"));

        again.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await CreatedAsync(otherOrder)).GetProperty("id").GetString().ShouldNotBe((await CreatedAsync(first)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Invalid_idempotency_keys_are_refused()
    {
        var (client, _) = await MerchantAsync();
        using var response = await PayAsync(client, Body(Customer()), new string('k', 256));
        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("Idempotency-Key", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("4111111111111111")]
    [InlineData("4111-1111-1111-1111")]
    public async Task A_card_number_sent_as_the_idempotency_key_is_refused_and_not_stored(string key)
    {
        var (client, _) = await MerchantAsync();
        using var response = await PayAsync(client, Body(Customer()), key);

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").GetProperty("Idempotency-Key")[0].GetString()!.ShouldContain("card number");
        problem.ToString().ShouldNotContain("4111");
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
        Factory.Logs.ShouldAllBe(line => !line.Contains("4111", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_idempotency_key_headers_are_refused()
    {
        var (client, _) = await MerchantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(JsonSerializer.Serialize(Body(Customer()), Snake), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", ["key-one", "key-two"]);

        using var response = await client.SendAsync(request);

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("Idempotency-Key", out _).ShouldBeTrue();
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task An_oversize_payment_body_is_413_and_creates_nothing()
    {
        var (client, _) = await MerchantAsync();
        var json = JsonSerializer.Serialize(new { amount = 2500, currency = "usd", customer_id = Customer(), payment_method = SandboxProcessor.Success, metadata = new { note = new string('x', 70_000) } });

        using var response = await client.PostAsync("/api/v1/payments", Json(json));

        await response.ShouldBeProblemAsync(413);
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_parallel_burst_from_one_customer_is_scored_like_a_serial_one()
    {
        var (client, _) = await MerchantAsync();
        var customer = Customer();

        // Ten small payments at once: what card testing looks like. Each must see the ones before it.
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PayAsync(client, Body(customer, 100, device: "dev-1"))));
        var payments = new List<JsonElement>();
        foreach (var answer in answers)
        {
            payments.Add(await CreatedAsync(answer));
            answer.Dispose();
        }

        var rules = payments.SelectMany(p => p.GetProperty("fraud").GetProperty("factors").EnumerateArray().Select(f => f.GetProperty("rule").GetString())).ToList();
        rules.Count(r => r == "velocity").ShouldBe(5); // the 6th to the 10th
        rules.Count(r => r == "card_testing").ShouldBe(7); // the 4th to the 10th
        payments.Count(p => p.GetProperty("status").GetString() is "held_for_review" or "blocked").ShouldBe(5);
    }

    [Theory]
    [InlineData(SandboxProcessor.InsufficientFunds, "failed", "insufficient_funds", false)]
    [InlineData(SandboxProcessor.ProcessingError, "failed", "processing_error", true)]
    [InlineData(SandboxProcessor.Disputed, "succeeded", null, false)]
    public async Task Sandbox_tokens_drive_each_processor_outcome(string token, string status, string? failure, bool retryable)
    {
        var (client, _) = await MerchantAsync();
        var payment = await CreatedAsync(await PayAsync(client, Body(Customer(), token: token)));

        payment.GetProperty("status").GetString().ShouldBe(status);
        payment.GetProperty("retryable").GetBoolean().ShouldBe(retryable);
        if (failure is null)
        {
            payment.GetProperty("failure_code").ValueKind.ShouldBe(JsonValueKind.Null);
        }
        else
        {
            payment.GetProperty("failure_code").GetString().ShouldBe(failure);
        }

        var id = Guid.ParseExact(payment.GetProperty("id").GetString()![4..], "N");
        var types = (await Factory.Services.GetRequiredService<IEventOutbox>().ForPaymentAsync(id, CancellationToken.None)).Select(e => e.Type).ToList();
        types.ShouldContain(status == "failed" ? PaymentEventTypes.Failed : PaymentEventTypes.Succeeded);
        if (token == SandboxProcessor.Disputed)
        {
            types.ShouldContain(PaymentEventTypes.DisputeCreated);
            (await (await client.GetAsync($"/api/v1/payments/{payment.GetProperty("id").GetString()}")).JsonAsync()).GetProperty("status").GetString().ShouldBe("disputed");
        }

        var failedEvent = (await Factory.Services.GetRequiredService<IEventOutbox>().ForPaymentAsync(id, CancellationToken.None)).FirstOrDefault(e => e.Type == PaymentEventTypes.Failed);
        if (failedEvent is not null)
        {
            JsonDocument.Parse(failedEvent.Data).RootElement.GetProperty("retryable").GetBoolean().ShouldBe(retryable);
        }
    }

    [Fact]
    public async Task Card_testing_is_held_for_review_and_then_blocked_with_its_factors()
    {
        var (client, _) = await MerchantAsync();
        var customer = Customer();
        var scores = new List<(int Score, string Status)>();
        for (var i = 0; i < 6; i++)
        {
            var p = await CreatedAsync(await PayAsync(client, Body(customer, 100, device: "dev-1")));
            scores.Add((p.GetProperty("fraud").GetProperty("score").GetInt32(), p.GetProperty("status").GetString()!));
        }

        // 1st: unknown device (15). 2nd-3rd: clean. 4th-5th: card testing (40). 6th: card testing + velocity (70) = review.
        scores.Select(s => s.Score).ShouldBe([15, 0, 0, 40, 40, 70]);
        scores[^1].Status.ShouldBe("held_for_review");

        var blocked = await CreatedAsync(await PayAsync(client, Body(customer, 100, device: "dev-2")));
        blocked.GetProperty("status").GetString().ShouldBe("blocked");
        blocked.GetProperty("failure_code").GetString().ShouldBe("fraud_blocked");
        blocked.GetProperty("fraud").GetProperty("score").GetInt32().ShouldBe(85);
        blocked.GetProperty("fraud").GetProperty("factors").EnumerateArray().Select(f => f.GetProperty("rule").GetString())
            .ShouldBe(["velocity", "unknown_device", "card_testing"], ignoreOrder: true);
    }

    [Fact]
    public async Task Amount_spikes_and_a_new_country_add_their_weights()
    {
        var (client, _) = await MerchantAsync();
        var customer = Customer();
        for (var i = 0; i < 3; i++)
        {
            await CreatedAsync(await PayAsync(client, Body(customer, 1000, device: "d", country: "NG")));
        }

        var spike = await CreatedAsync(await PayAsync(client, Body(customer, 5000, device: "d", country: "GB")));
        spike.GetProperty("fraud").GetProperty("score").GetInt32().ShouldBe(45);
        spike.GetProperty("status").GetString().ShouldBe("succeeded");
    }

    [Fact]
    public async Task Refunds_full_and_partial_never_exceed_the_payment()
    {
        var (client, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(client, Body(Customer(), 1000)))).GetProperty("id").GetString();

        var partial = await CreatedAsync(await client.PostAsync($"/api/v1/payments/{id}/refunds", Json("""{"amount": 400, "reason": "damaged"}""")));
        partial.GetProperty("payment_status").GetString().ShouldBe("partially_refunded");
        using var tooMuch = await client.PostAsync($"/api/v1/payments/{id}/refunds", Json("""{"amount": 700}"""));
        (await tooMuch.ShouldBeProblemAsync(400)).GetProperty("errors").GetProperty("amount")[0].GetString()!.ShouldContain("600");

        var rest = await CreatedAsync(await client.PostAsync($"/api/v1/payments/{id}/refunds", Json("{}")));
        rest.GetProperty("amount").GetInt64().ShouldBe(600);
        rest.GetProperty("payment_status").GetString().ShouldBe("refunded");
        using var nothingLeft = await client.PostAsync($"/api/v1/payments/{id}/refunds", Json("""{"amount": 1}"""));
        await nothingLeft.ShouldBeProblemAsync(400);
    }

    [Fact]
    public async Task Concurrent_refunds_with_different_keys_never_exceed_the_amount()
    {
        var (client, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(client, Body(Customer(), 1000)))).GetProperty("id").GetString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/payments/{id}/refunds") { Content = Json("""{"amount": 300}""") };
            request.Headers.Add("Idempotency-Key", "refund-" + i);
            return client.SendAsync(request);
        }));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(3);
        var payment = await (await client.GetAsync($"/api/v1/payments/{id}")).JsonAsync();
        payment.GetProperty("refunded_amount").GetInt64().ShouldBe(900);
    }

    [Fact]
    public async Task A_refund_is_idempotent_per_key()
    {
        var (client, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(client, Body(Customer(), 1000)))).GetProperty("id").GetString();
        HttpRequestMessage Refund()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/payments/{id}/refunds") { Content = Json("""{"amount": 300}""") };
            request.Headers.Add("Idempotency-Key", "r-1");
            return request;
        }

        var first = await CreatedAsync(await client.SendAsync(Refund()));
        using var replay = await client.SendAsync(Refund());
        (await CreatedAsync(replay)).GetProperty("id").GetString().ShouldBe(first.GetProperty("id").GetString());
        replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await (await client.GetAsync($"/api/v1/payments/{id}")).JsonAsync()).GetProperty("refunded_amount").GetInt64().ShouldBe(300);
    }

    [Theory]
    [InlineData("""{"amount": -5}""", "amount")]
    [InlineData("""{"amount": 0}""", "amount")]
    [InlineData("""{"amount": "300"}""", "amount")]
    [InlineData("""{"amount": 300, "currency": "usd"}""", "currency")]
    [InlineData("""{"amount": 300, """, "body")]
    public async Task Bad_refund_bodies_are_named_and_refund_nothing(string json, string field)
    {
        var (client, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(client, Body(Customer(), 1000)))).GetProperty("id").GetString();

        using var response = await client.PostAsync($"/api/v1/payments/{id}/refunds", Json(json));

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldContain(field);
        var payment = await (await client.GetAsync($"/api/v1/payments/{id}")).JsonAsync();
        payment.GetProperty("refunded_amount").GetInt64().ShouldBe(0);
        payment.GetProperty("status").GetString().ShouldBe("succeeded");
    }

    [Fact]
    public async Task An_overlong_refund_reason_is_refused()
    {
        var (client, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(client, Body(Customer(), 1000)))).GetProperty("id").GetString();
        using var response = await client.PostAsync($"/api/v1/payments/{id}/refunds", Json($$"""{"reason": "{{new string('r', 501)}}"}"""));
        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        using var wrongType = await client.PostAsync($"/api/v1/payments/{id}/refunds", new StringContent("amount=1", Encoding.UTF8, "text/plain"));
        await wrongType.ShouldBeProblemAsync(415);
    }

    [Fact]
    public async Task A_failed_payment_cannot_be_refunded()
    {
        var (client, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(client, Body(Customer(), token: SandboxProcessor.InsufficientFunds)))).GetProperty("id").GetString();
        using var response = await client.PostAsync($"/api/v1/payments/{id}/refunds", Json("{}"));
        await response.ShouldBeProblemAsync(400);
    }

    [Fact]
    public async Task Another_merchants_payment_is_not_found_for_reads_and_refunds()
    {
        var (owner, _) = await MerchantAsync();
        var (other, _) = await MerchantAsync();
        var id = (await CreatedAsync(await PayAsync(owner, Body(Customer())))).GetProperty("id").GetString();

        using var read = await other.GetAsync($"/api/v1/payments/{id}");
        await read.ShouldBeProblemAsync(404);
        using var refund = await other.PostAsync($"/api/v1/payments/{id}/refunds", Json("{}"));
        await refund.ShouldBeProblemAsync(404);
        (await (await other.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(0);
        using var garbage = await other.GetAsync("/api/v1/payments/pay_nothex");
        await garbage.ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task Listing_pages_with_signed_cursors_and_filters()
    {
        var (client, merchantId) = await MerchantAsync();
        var customer = Customer();
        for (var i = 0; i < 5; i++)
        {
            await CreatedAsync(await PayAsync(client, Body(customer, 1000 + i)));
        }

        await CreatedAsync(await PayAsync(client, Body(Customer(), token: SandboxProcessor.InsufficientFunds)));

        var page1 = await (await client.GetAsync("/api/v1/payments?limit=4")).JsonAsync();
        page1.GetProperty("count").GetInt32().ShouldBe(4);
        var cursor = page1.GetProperty("next_cursor").GetString()!;
        var page2 = await (await client.GetAsync($"/api/v1/payments?limit=4&cursor={Uri.EscapeDataString(cursor)}")).JsonAsync();
        page2.GetProperty("count").GetInt32().ShouldBe(2);
        page2.GetProperty("next_cursor").ValueKind.ShouldBe(JsonValueKind.Null);

        (await (await client.GetAsync($"/api/v1/payments?customer_id={customer}")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(5);
        (await (await client.GetAsync("/api/v1/payments?status=failed")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);

        using var forged = await client.GetAsync($"/api/v1/payments?limit=4&cursor={Uri.EscapeDataString(cursor[..^2] + "xx")}");
        (await forged.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("cursor", out _).ShouldBeTrue();
        using var foreign = await client.GetAsync($"/api/v1/payments?limit=4&status=failed&cursor={Uri.EscapeDataString(cursor)}");
        await foreign.ShouldBeProblemAsync(400);
        using var badLimit = await client.GetAsync("/api/v1/payments?limit=abc");
        await badLimit.ShouldBeProblemAsync(400);

        using var admin = Factory.ClientWithBearer(fixture.AdminToken);
        var mine = await (await admin.GetAsync($"/api/v1/payments?merchant_id=mer_{merchantId:N}&limit=100")).JsonAsync();
        mine.GetProperty("count").GetInt32().ShouldBe(6);
    }

    [Fact]
    public async Task Admins_list_every_merchants_payments_and_a_merchant_only_its_own_whatever_it_asks_for()
    {
        var (first, firstId) = await MerchantAsync();
        var (second, secondId) = await MerchantAsync();
        var customer = Customer(); // the same customer id at two merchants is two customers
        var fromFirst = (await CreatedAsync(await PayAsync(first, Body(customer, 1100)))).GetProperty("id").GetString();
        var fromSecond = (await CreatedAsync(await PayAsync(second, Body(customer, 2200)))).GetProperty("id").GetString();

        using var admin = Factory.ClientWithBearer(fixture.AdminToken);
        var all = await (await admin.GetAsync($"/api/v1/payments?customer_id={customer}")).JsonAsync();
        all.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ShouldBe([fromSecond, fromFirst]); // newest first
        all.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("merchant_id").GetString()).ShouldBe([$"mer_{secondId:N}", $"mer_{firstId:N}"]);

        // A merchant naming another merchant still gets its own payments only.
        var asked = await (await first.GetAsync($"/api/v1/payments?customer_id={customer}&merchant_id=mer_{secondId:N}")).JsonAsync();
        asked.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ShouldBe([fromFirst]);
    }
}
