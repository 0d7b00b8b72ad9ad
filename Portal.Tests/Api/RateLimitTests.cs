using Microsoft.Extensions.DependencyInjection;
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

    // The limit belongs to the endpoint routing picked, so a spelling of its path that routing accepts cannot step around it.
    [Theory]
    [InlineData("/api/v1/auth/token/")]
    [InlineData("/API/V1/Auth/Token")]
    [InlineData("/api/v1/auth/%74oken")]
    [InlineData("/api/v1/auth/%74%6F%6B%65%6E/")]
    public async Task Token_requests_are_limited_whatever_the_spelling_of_the_path(string path)
    {
        await using var factory = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "2");
        using var client = factory.CreateClient();
        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), new { email = "x@test.local", password = "Wrong-Password-1!" });
            statuses.Add((int)response.StatusCode);
        }

        statuses.ShouldBe([401, 401, 429], $"{path}: the token endpoint twice, then the limit");
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/Account/Login/")]
    [InlineData("/ACCOUNT/LOGIN-2FA")]
    [InlineData("/account/login-recovery/")]
    [InlineData("/account/REGISTER")]
    [InlineData("/account/forgot-%70assword")]
    [InlineData("/account/resend-confirmation/")]
    [InlineData("/account/reset-password")]
    public async Task Account_form_posts_are_limited_whatever_the_spelling_of_the_path(string path)
    {
        await using var factory = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "2");
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        // Showing the form is not an attempt.
        for (var i = 0; i < 3; i++)
        {
            using var form = await client.GetAsync(new Uri(path, UriKind.Relative));
            form.StatusCode.ShouldNotBe(System.Net.HttpStatusCode.TooManyRequests);
        }

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var post = await client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent([new("Input.Email", "x@test.local")]));
            statuses.Add((int)post.StatusCode);
        }

        statuses[..2].ShouldAllBe(s => s != 429 && s != 404, $"{path}: {string.Join(", ", statuses)}");
        statuses[2].ShouldBe(429, $"{path}: {string.Join(", ", statuses)}");
    }

    // Routing does not collapse an empty segment, so these spellings reach no sign-in endpoint at all (nothing to limit).
    [Theory]
    [InlineData("/api/v1//auth/token")]
    [InlineData("/api//v1/auth/token")]
    [InlineData("/account//login")]
    public async Task Double_slash_spellings_reach_no_sign_in_endpoint(string path)
    {
        await using var factory = new PortalFactory();
        var (user, _) = await factory.CreateUserAsync(Portal.Auth.PortalRoles.Admin);
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var get = await client.GetAsync(new Uri(path, UriKind.Relative));
        using var post = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), new { email = user.Email, password = PortalFactory.Password });

        ((int)get.StatusCode).ShouldBeOneOf(404, 405);
        ((int)post.StatusCode).ShouldBeOneOf(400, 404, 405);
    }

    // A page added to the account folder later is limited without anyone remembering to: the policy comes from the folder.
    [Fact]
    public async Task Every_account_page_carries_the_sign_in_limit()
    {
        await using var factory = new PortalFactory();
        using var client = factory.CreateClient();
        var endpoints = factory.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>()?.Type.Namespace == "Portal.Components.Account.Pages")
            .ToList();

        endpoints.Select(e => e.RoutePattern.RawText).ShouldContain("/account/login");
        endpoints.ShouldAllBe(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>()!.PolicyName == Portal.Web.PortalRateLimits.SignIn);
    }
}
