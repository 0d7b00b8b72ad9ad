using System.Net;
using System.Text;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Payments;

public sealed class PaymentRateLimitTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Payments:RequestsPerSecondPerMerchant", "3");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_merchant_over_its_limit_gets_429_and_other_merchants_are_unaffected()
    {
        var (_, busyKey) = await _factory.ApprovedMerchantKeyAsync();
        var (_, quietKey) = await _factory.ApprovedMerchantKeyAsync();
        using var busy = _factory.ClientWithBearer(busyKey);
        using var quiet = _factory.ClientWithBearer(quietKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10; i++)
        {
            var response = await busy.PostAsync("/api/v1/payments", Body(i));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }

        statuses.Count(s => s == HttpStatusCode.Created).ShouldBeInRange(3, 6);
        limited.ShouldNotBeNull();
        limited.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        await limited.ShouldBeProblemAsync(429);

        using var other = await quiet.PostAsync("/api/v1/payments", Body(100));
        other.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    private static StringContent Body(int i) =>
        new($$"""{"amount": 700, "currency": "usd", "customer_id": "cus_{{i}}", "payment_method": "pm_card_visa", "order_id": "o-{{i}}"}""", Encoding.UTF8, "application/json");
}
