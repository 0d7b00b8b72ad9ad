using System.Net;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Account;

/// <summary>Return URLs lead to this site only, on every account page that follows one.</summary>
public sealed class ReturnUrlTests(ReturnUrlTests.Fixture fixture) : IClassFixture<ReturnUrlTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000");

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task After_mfa_enrolment_the_continue_link_stays_on_the_portal(string returnUrl)
    {
        var (admin, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var client = Factory.HttpsClient();

        var page = await AccountForms.SignInAndEnrolAsync(client, admin.Email!, returnUrl);

        page.ShouldContain("href=\"/\" data-testid=\"mfa-continue\"");
        page.ShouldNotContain("evil.example");
    }

    [Fact]
    public async Task After_mfa_enrolment_the_continue_link_follows_a_local_return_url()
    {
        var (admin, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var client = Factory.HttpsClient();

        var page = await AccountForms.SignInAndEnrolAsync(client, admin.Email!, "/admin/kyc");

        page.ShouldContain("href=\"/admin/kyc\" data-testid=\"mfa-continue\"");
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("/\t/evil.example")]
    public async Task Sign_in_redirects_home_instead_of_to_another_site(string returnUrl)
    {
        var (merchant, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.HttpsClient();

        using var response = await AccountForms.SignInAsync(client, merchant.Email!, returnUrl);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        new Uri(new Uri(PortalFactory.PublicBaseUrl), response.Headers.Location!).AbsoluteUri.ShouldBe(PortalFactory.PublicBaseUrl);
    }

    [Fact]
    public async Task Sign_in_follows_a_local_return_url()
    {
        var (merchant, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = Factory.HttpsClient();

        using var response = await AccountForms.SignInAsync(client, merchant.Email!, "/payments?page=2");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        new Uri(new Uri(PortalFactory.PublicBaseUrl), response.Headers.Location!).PathAndQuery.ShouldBe("/payments?page=2");
    }
}
