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

        // One burst, sent at once: the bucket holds 3 and refills 3 a second, so a burst shorter than a second gets 3 to 6
        // through; a slow machine that stretches the burst gets at most 3 more per started second.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => busy.PostAsync("/api/v1/payments", Body(i))));
        var seconds = (int)Math.Ceiling(started.Elapsed.TotalSeconds);
        var statuses = responses.Select(r => r.StatusCode).ToList();
        var limited = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);

        statuses.ShouldAllBe(s => s == HttpStatusCode.Created || s == HttpStatusCode.TooManyRequests);
        statuses.Count(s => s == HttpStatusCode.Created).ShouldBeInRange(3, 3 + (3 * Math.Max(1, seconds)));
        limited.ShouldNotBeNull();
        limited.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        await limited.ShouldBeProblemAsync(429);

        using var other = await quiet.PostAsync("/api/v1/payments", Body(100));
        other.StatusCode.ShouldBe(HttpStatusCode.Created);
        Array.ForEach(responses, r => r.Dispose());
    }

    // The limit is the endpoint's own (checked in its handler, per merchant), so every spelling routing sends there meets it.
    [Theory]
    [InlineData("/api/v1/payments/")]
    [InlineData("/API/V1/Payments")]
    [InlineData("/api/v1/%70ayments")]
    public async Task The_payment_limit_holds_whatever_the_spelling_of_the_path(string path)
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => client.PostAsync(new Uri(path, UriKind.Relative), Body(i))));

        responses.Select(r => r.StatusCode).ShouldAllBe(s => s == HttpStatusCode.Created || s == HttpStatusCode.TooManyRequests);
        responses.ShouldContain(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Array.ForEach(responses, r => r.Dispose());
    }

    private static StringContent Body(int i) =>
        new($$"""{"amount": 700, "currency": "usd", "customer_id": "cus_{{i}}", "payment_method": "pm_card_visa", "order_id": "o-{{i}}"}""", Encoding.UTF8, "application/json");
}
