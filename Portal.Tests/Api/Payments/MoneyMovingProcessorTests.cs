using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Payments;

/// <summary>
/// With a processor that moves money (Stripe), a payment is recorded as pending before the processor is called, so
/// concurrent requests with one key call it once. The sandbox takes a one-write shortcut; this covers the real path.
/// </summary>
public sealed class MoneyMovingProcessorTests : IAsyncLifetime
{
    private readonly CountingProcessor _processor = new();
    private readonly Factory _factory;

    // A key left pending counts as abandoned after twice this wait: short, so the refund test can resume it quickly.
    public MoneyMovingProcessorTests() => _factory = (Factory)new Factory(_processor).WithSetting("Payments:ConcurrentRequestWait", "00:00:00.200");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Concurrent_requests_with_one_key_call_the_processor_once()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        const string Body = """{"amount": 1200, "currency": "gbp", "customer_id": "cus_9", "payment_method": "pm_card_visa", "order_id": "o-1"}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "one-key");
            return client.SendAsync(request);
        }));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        bodies.Distinct().Count().ShouldBe(1);
        _processor.Charges.ShouldBe(1);
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("data")[0].GetProperty("status").GetString().ShouldBe("succeeded");
    }

    [Fact]
    public async Task A_processor_that_cannot_be_reached_fails_the_payment_as_retryable()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        _processor.Unreachable = true;
        using var response = await client.PostAsync("/api/v1/payments",
            new StringContent("""{"amount": 1200, "currency": "gbp", "customer_id": "cus_8", "payment_method": "pm_card_visa"}""", Encoding.UTF8, "application/json"));

        var payment = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        payment.GetProperty("status").GetString().ShouldBe("failed");
        payment.GetProperty("failure_code").GetString().ShouldBe("processor_unavailable");
        payment.GetProperty("retryable").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_refund_left_half_way_is_finished_by_a_retry_with_the_same_key_and_made_once()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        using var paid = await client.PostAsync("/api/v1/payments",
            new StringContent("""{"amount": 5000, "currency": "gbp", "customer_id": "cus_7", "payment_method": "pm_card_visa"}""", Encoding.UTF8, "application/json"));
        var id = (await paid.JsonAsync()).GetProperty("id").GetString()!;
        HttpRequestMessage Refund()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/payments/{id}/refunds") { Content = new StringContent("""{"amount": 2000}""", Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "refund-once");
            return request;
        }

        // The processor call blows up after the amount was reserved: what a crash between the two writes leaves behind.
        _processor.RefundsThrow = true;
        using var broken = await client.SendAsync(Refund());
        broken.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        var stuck = await (await client.GetAsync($"/api/v1/payments/{id}")).JsonAsync();
        stuck.GetProperty("refunded_amount").GetInt64().ShouldBe(2000); // reserved, so nothing can refund past it meanwhile

        _processor.RefundsThrow = false;
        await Task.Delay(500, TestContext.Current.CancellationToken); // past twice the 200 ms wait: abandoned
        using var retried = await client.SendAsync(Refund());
        var refund = await retried.JsonAsync();
        retried.StatusCode.ShouldBe(HttpStatusCode.Created, refund.ToString());
        retried.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        refund.GetProperty("amount").GetInt64().ShouldBe(2000);

        using var again = await client.SendAsync(Refund());
        (await again.Content.ReadAsStringAsync()).ShouldBe(refund.GetRawText());
        _processor.Refunds.ShouldBe(2); // asked again under the same refund id (its idempotency key): one refund at the processor
        _processor.RefundKeys.Distinct().Count().ShouldBe(1);
        var payment = await (await client.GetAsync($"/api/v1/payments/{id}")).JsonAsync();
        payment.GetProperty("refunded_amount").GetInt64().ShouldBe(2000);
        payment.GetProperty("status").GetString().ShouldBe("partially_refunded");
        var events = await _factory.Services.GetRequiredService<IEventOutbox>().ForPaymentAsync(Guid.ParseExact(id[4..], "N"), CancellationToken.None);
        events.Count(e => e.Type == PaymentEventTypes.Refunded).ShouldBe(1);
    }

    [Fact]
    public async Task A_charge_the_processor_did_not_confirm_stays_pending_and_a_same_key_retry_finishes_it_under_the_same_processor_key()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        HttpRequestMessage Pay()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
            {
                Content = new StringContent("""{"amount": 3300, "currency": "gbp", "customer_id": "cus_6", "payment_method": "pm_card_visa"}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", "timed-out-once");
            return request;
        }

        _processor.TimeOutNext();
        using var unconfirmed = await client.SendAsync(Pay());
        var problem = await unconfirmed.ShouldBeProblemAsync(503);
        problem.GetProperty("detail").GetString()!.ShouldContain("same Idempotency-Key");
        unconfirmed.Headers.RetryAfter.ShouldNotBeNull();
        var listed = (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        listed.ShouldHaveSingleItem().GetProperty("status").GetString().ShouldBe("pending"); // not "failed": it may have been charged

        await Task.Delay(500, TestContext.Current.CancellationToken); // past twice the 200 ms wait: the key counts as abandoned
        using var retried = await client.SendAsync(Pay());
        var payment = await retried.JsonAsync();
        retried.StatusCode.ShouldBe(HttpStatusCode.Created, payment.ToString());
        payment.GetProperty("status").GetString().ShouldBe("succeeded");
        payment.GetProperty("id").GetString().ShouldBe(listed[0].GetProperty("id").GetString());

        // Asked twice, under one processor idempotency key: a processor that did charge the first time answers with that charge.
        _processor.ChargeKeys.Count.ShouldBe(2);
        _processor.ChargeKeys.Distinct().ShouldHaveSingleItem();
        (await (await client.GetAsync("/api/v1/payments")).JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1);
    }

    private sealed class Factory(IPaymentProcessor processor) : PortalFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton(processor));
        }
    }

    private sealed class CountingProcessor : IPaymentProcessor
    {
        private int _charges;
        private int _timeOuts;

        public int Charges => _charges;

        public System.Collections.Concurrent.ConcurrentBag<string> ChargeKeys { get; } = [];

        public void TimeOutNext() => Interlocked.Exchange(ref _timeOuts, 1);

        public bool Unreachable { get; set; }

        public string Name => "counting";

        public async Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken)
        {
            if (Unreachable)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused");
            }

            ChargeKeys.Add(charge.IdempotencyKey);
            if (Interlocked.Exchange(ref _timeOuts, Math.Max(0, _timeOuts - 1)) > 0)
            {
                throw new TimeoutException("no answer in time"); // it may have charged: the portal cannot know
            }

            Interlocked.Increment(ref _charges);
            await Task.Delay(50, cancellationToken); // a real processor takes a while: concurrent requests overlap
            return new ProcessorResult(ProcessorOutcome.Succeeded, "ch_" + charge.PaymentId.ToString("N"));
        }

        public bool RefundsThrow { get; set; }

        public int Refunds => RefundKeys.Count;

        public System.Collections.Concurrent.ConcurrentBag<string> RefundKeys { get; } = [];

        public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken)
        {
            RefundKeys.Add(refund.IdempotencyKey);
            return RefundsThrow
                ? throw new InvalidOperationException("processor client bug")
                : Task.FromResult(new ProcessorResult(ProcessorOutcome.Succeeded, "rf_" + refund.RefundId.ToString("N")));
        }
    }
}
