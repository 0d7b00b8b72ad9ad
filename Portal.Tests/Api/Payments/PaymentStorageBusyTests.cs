using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Adapters.Embedded;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Payments;

/// <summary>The payment store's write queue is bounded: when it is full the API answers 503 with Retry-After, never a 500 or unbounded memory.</summary>
public sealed class PaymentStorageBusyTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Storage:WriteQueueCapacity", "1").WithSetting("Storage:RetryAfterSeconds", "2");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private static StringContent Payment(string customer) =>
        new($$"""{"amount": 1200, "currency": "gbp", "customer_id": "{{customer}}", "payment_method": "pm_card_visa"}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_full_payment_write_queue_answers_503_problem_with_retry_after_and_the_queued_payment_still_succeeds()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        var writer = _factory.Services.GetRequiredService<SqlitePaymentStore>().Writer;
        Task<HttpResponseMessage> queued;
        using (writer.Hold())
        {
            queued = client.PostAsync("/api/v1/payments", Payment("cus_first"), TestContext.Current.CancellationToken);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (writer.Queued < 1 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            writer.Queued.ShouldBe(1);
            using var refused = await client.PostAsync("/api/v1/payments", Payment("cus_second"), TestContext.Current.CancellationToken);

            refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            refused.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(2));
            refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            var problem = await refused.JsonAsync();
            problem.GetProperty("status").GetInt32().ShouldBe(503);
            problem.GetProperty("title").GetString().ShouldBe("Busy, try again");
        }

        using var first = await queued;
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        using var list = await client.GetAsync("/api/v1/payments", TestContext.Current.CancellationToken);
        (await list.JsonAsync()).GetProperty("count").GetInt32().ShouldBe(1); // the refused payment was never recorded
    }
}
