using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class HealthTests(HealthTests.Fixture fixture) : IClassFixture<HealthTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public string AdminToken { get; private set; } = "";

        public async ValueTask InitializeAsync() => AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    [Fact]
    public async Task Ready_tells_anonymous_callers_and_merchants_the_status_only()
    {
        var (_, key) = await Factory.MerchantKeyAsync();
        using var anonymous = Factory.CreateClient();
        using var merchant = Factory.ClientWithBearer(key);

        foreach (var client in new[] { anonymous, merchant })
        {
            using var response = await client.GetAsync("/health/ready");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).ShouldBe("Healthy");
        }
    }

    [Fact]
    public async Task Ready_shows_staff_each_check()
    {
        using var admin = Factory.ClientWithBearer(fixture.AdminToken);

        using var response = await admin.GetAsync("/health/ready");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = await response.JsonAsync();
        report.GetProperty("status").GetString().ShouldBe("Healthy");
        var storage = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "storage");
        storage.GetProperty("description").GetString().ShouldBe("every store answered");
    }

    [Fact]
    public async Task Ready_reads_the_stores_at_most_once_per_interval_however_often_it_is_called()
    {
        using var client = Factory.CreateClient();
        var check = Factory.Services.GetRequiredService<Portal.Web.StorageHealthCheck>();
        using (var first = await client.GetAsync("/health/ready"))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var before = check.Probes;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var burst = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetAsync("/health/ready")));
        var intervals = (int)(started.Elapsed / Portal.Web.StorageHealthCheck.CacheFor) + 1;

        burst.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        (check.Probes - before).ShouldBeLessThanOrEqualTo(intervals);
        Array.ForEach(burst, r => r.Dispose());
    }
}
