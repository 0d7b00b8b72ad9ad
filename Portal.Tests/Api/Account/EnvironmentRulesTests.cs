using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Configuration;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Account;

/// <summary>Developer conveniences exist in Development only; every other environment is treated as exposed.</summary>
public sealed class EnvironmentRulesTests
{
    private static async Task<bool> DemoAdminExistsAsync(PortalFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync("admin@demo.local") is not null;
    }

    /// <summary>Starts the host and returns every message of the failure (start-up errors arrive wrapped).</summary>
    private static string StartUpFailure(PortalFactory factory)
    {
        var error = Should.Throw<Exception>(() => factory.Services);
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" | ", messages);
    }

    [Theory]
    [InlineData("Testing")]
    [InlineData("Staging")]
    [InlineData("Production")]
    public async Task Demo_accounts_are_not_seeded_outside_development(string environment)
    {
        await using var factory = new PortalFactory().InEnvironment(environment).WithSetting("Portal:SeedDemoUsers", "true");

        (await DemoAdminExistsAsync(factory)).ShouldBeFalse();
    }

    [Fact]
    public async Task Demo_accounts_are_seeded_in_development()
    {
        await using var factory = new PortalFactory().InDevelopment();

        (await DemoAdminExistsAsync(factory)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Production")]
    public async Task Start_up_outside_development_refuses_the_published_demo_password(string environment)
    {
        await using var factory = new PortalFactory().InEnvironment(environment).WithSetting("Portal:DemoPassword", PortalOptions.PublishedDemoPassword);

        StartUpFailure(factory).ShouldContain("Portal:DemoPassword is the published demo password");
    }

    [Fact]
    public async Task Dev_outbox_is_not_found_outside_development()
    {
        await using var factory = new PortalFactory();
        await factory.Services.GetRequiredService<IEmailOutbox>().SendAsync("someone@shop.example", "Reset", "secret link", "https://localhost/account/reset-password?code=SECRET");
        using var client = factory.HttpsClient();

        using var response = await client.GetAsync("/dev/outbox");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("SECRET");
    }

    [Fact]
    public async Task Dev_outbox_shows_the_messages_in_development()
    {
        await using var factory = new PortalFactory().InDevelopment();
        await factory.Services.GetRequiredService<IEmailOutbox>().SendAsync("someone@shop.example", "Reset", "a body", null);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/dev/outbox");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("someone@shop.example");
    }

    [Theory]
    [InlineData("Testing")]
    [InlineData("Staging")]
    public async Task Auth_cookie_is_secure_outside_development_even_over_http(string environment)
    {
        await using var factory = new PortalFactory().InEnvironment(environment);
        var (user, _) = await factory.CreateUserAsync(PortalRoles.Merchant);
        // Plain http as a TLS-terminating proxy would forward it: the cookie must still be Secure.
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await AccountForms.SignInAsync(client, user.Email!);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
        cookie.ShouldContain("secure", Case.Insensitive);
    }

    [Fact]
    public async Task Reset_links_use_the_public_base_url_not_the_host_header()
    {
        await using var factory = new PortalFactory()
            .WithSetting("Portal:PublicBaseUrl", "https://portal.example.test/")
            .WithSetting("AllowedHosts", "*"); // let the forged Host reach the page, as a permissive proxy would
        var (user, _) = await factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = factory.HttpsClient();
        client.DefaultRequestHeaders.Host = "attacker.example";

        using var response = await AccountForms.PostAsync(client, "/account/forgot-password", new() { ["Input.Email"] = user.Email! });

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var mail = (await factory.Services.GetRequiredService<IEmailOutbox>().ListAsync(10)).Single(m => m.To == user.Email);
        mail.ActionUrl.ShouldStartWith("https://portal.example.test/account/reset-password?code=");
    }

    [Fact]
    public async Task Confirmation_links_use_the_public_base_url()
    {
        await using var factory = new PortalFactory().WithSetting("Portal:PublicBaseUrl", "https://portal.example.test/");
        using var client = factory.HttpsClient();
        var email = $"new-{Guid.NewGuid():N}@shop.example";

        using var response = await AccountForms.PostAsync(client, "/account/register",
            new() { ["Input.Email"] = email, ["Input.Password"] = PortalFactory.Password, ["Input.ConfirmPassword"] = PortalFactory.Password });

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var mail = (await factory.Services.GetRequiredService<IEmailOutbox>().ListAsync(10)).Single(m => m.To == email);
        mail.ActionUrl.ShouldStartWith("https://portal.example.test/account/confirm-email?");
    }

    [Theory]
    [InlineData(null, "Portal:PublicBaseUrl is required outside Development")]
    [InlineData("http://portal.example.test/", "must be an absolute https URL")]
    [InlineData("/relative", "must be an absolute https URL")]
    [InlineData("https://portal.example.test/?next=x", "must be an absolute https URL")]
    public async Task Start_up_outside_development_needs_an_https_public_base_url(string? value, string message)
    {
        await using var factory = value is null ? new PortalFactory().WithoutSetting("Portal:PublicBaseUrl") : new PortalFactory().WithSetting("Portal:PublicBaseUrl", value);

        StartUpFailure(factory).ShouldContain(message);
    }

    [Fact]
    public async Task A_request_for_a_host_not_allowed_is_refused()
    {
        await using var factory = new PortalFactory();
        using var client = factory.HttpsClient();
        client.DefaultRequestHeaders.Host = "attacker.example";

        using var response = await client.GetAsync("/account/forgot-password");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
