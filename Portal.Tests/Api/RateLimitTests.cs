using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Token_requests_over_the_limit_get_429_with_retry_after()
    {
        await using var factory = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "3");
        using var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = "x@test.local", password = "Wrong-Password-1!" });
            ((int)allowed.StatusCode).ShouldBe(401);
        }

        using var limited = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = "x@test.local", password = "Wrong-Password-1!" });

        await limited.ShouldBeProblemAsync(429);
        limited.Headers.RetryAfter.ShouldNotBeNull();
        // Other endpoints are not limited.
        (await client.GetAsync("/health/live")).IsSuccessStatusCode.ShouldBeTrue();
    }
}
