using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Auth;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Auth;

/// <summary>A rejected merchant's API keys stop working within 30 seconds (fake clock), with a problem that says why.</summary>
public sealed class MerchantKeyStatusTests(MerchantKeyStatusTests.Fixture fixture) : IClassFixture<MerchantKeyStatusTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public PortalFactory Factory { get; }

        public Fixture() => Factory = new PortalFactory().WithServices(s => s.AddSingleton<TimeProvider>(Clock));

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }

    [Fact]
    public async Task A_rejected_merchants_api_keys_are_refused_with_the_reason()
    {
        var factory = fixture.Factory;
        var (merchant, secret) = await factory.MerchantKeyAsync();
        var (_, admin) = await factory.CreateUserAsync(PortalRoles.Admin);
        var merchants = factory.Services.GetRequiredService<MerchantService>();
        var form = KybForms.Complete(cac: Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var draft = await merchants.SaveDraftAsync(merchant, form, null);
        var submitted = await merchants.SubmitAsync(merchant, form, draft.Value!.Version);
        using var client = factory.ClientWithBearer(secret);
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var rejected = await merchants.ReviewAsync(admin, submitted.Value!.Id, ReviewDecision.Reject, "The CAC certificate does not match.", submitted.Value.Version);
        rejected.Succeeded.ShouldBeTrue(rejected.Error?.Message);
        fixture.Clock.Advance(TimeSpan.FromSeconds(31));
        using var after = await client.GetAsync("/api/v1/me");
        using var payment = await client.PostAsJsonAsync("/api/v1/payments", new { amount = 1000, currency = "NGN" });

        var problem = await after.ShouldBeProblemAsync(403);
        problem.GetProperty("detail").GetString()!.ShouldContain("rejected");
        await payment.ShouldBeProblemAsync(403);
    }
}
