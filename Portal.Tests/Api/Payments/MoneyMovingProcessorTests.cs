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

    public MoneyMovingProcessorTests() => _factory = new Factory(_processor);

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

        public int Charges => _charges;

        public bool Unreachable { get; set; }

        public string Name => "counting";

        public async Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken)
        {
            if (Unreachable)
            {
                throw new HttpRequestException("connection refused");
            }

            Interlocked.Increment(ref _charges);
            await Task.Delay(50, cancellationToken); // a real processor takes a while: concurrent requests overlap
            return new ProcessorResult(ProcessorOutcome.Succeeded, "ch_" + charge.PaymentId.ToString("N"));
        }

        public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken) =>
            Task.FromResult(new ProcessorResult(ProcessorOutcome.Succeeded, "rf_" + refund.RefundId.ToString("N")));
    }
}
