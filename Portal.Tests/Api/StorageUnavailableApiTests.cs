using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Adapters.Embedded;
using Portal.Tests.Infrastructure;
using Portal.Tests.Unit.Storage;

namespace Portal.Tests.Api;

/// <summary>A store that cannot answer (here: its file locked by another process) is a 503 problem with Retry-After, not a 500.</summary>
public sealed class StorageUnavailableApiTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Storage:BusyTimeoutSeconds", "1");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Listing_payments_while_their_database_is_locked_answers_503_problem_with_retry_after()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        (await client.GetAsync("/api/v1/payments", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (StorageErrorTranslationTests.LockExclusively(_factory.Services.GetRequiredKeyedService<SqliteDatabase>("payments")))
        {
            using var response = await client.GetAsync("/api/v1/payments", TestContext.Current.CancellationToken);

            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter.ShouldNotBeNull();
            var problem = await response.JsonAsync();
            problem.GetProperty("status").GetInt32().ShouldBe(503);
            problem.GetProperty("title").GetString().ShouldBe("Storage unavailable");
        }
    }
}
