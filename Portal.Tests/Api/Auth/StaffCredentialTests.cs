using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Auth;

/// <summary>
/// Staff bearer tokens end with the account's roles, password or status (security stamp checked on every request), and
/// each TOTP code is accepted once. The portal runs on a fake clock, so the 30-second recheck is tested without waiting.
/// </summary>
public sealed class StaffCredentialTests(StaffCredentialTests.Fixture fixture) : IClassFixture<StaffCredentialTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public PortalFactory Factory { get; }

        public Fixture() => Factory = new PortalFactory()
            .WithSetting("Auth:AuthRequestsPerMinute", "1000")
            .WithServices(s => s.AddSingleton<TimeProvider>(Clock));

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private FakeTimeProvider Clock => fixture.Clock;

    [Fact]
    public async Task A_role_change_ends_the_users_bearer_tokens()
    {
        var (user, token) = await StaffWithTokenAsync(PortalRoles.Compliance);
        var (_, adminToken) = await StaffWithTokenAsync(PortalRoles.Admin);
        (await MeAsync(token)).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var admin = Factory.ClientWithBearer(adminToken))
        // Taking a staff role away applies at once (granting one waits for a second admin).
        using (var changed = await admin.PutAsJsonAsync($"/api/v1/users/{user.Id}/roles", new { roles = new[] { PortalRoles.Merchant } }))
        {
            changed.StatusCode.ShouldBe(HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        }

        using var after = await MeAsync(token);
        await after.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task A_lockout_ends_the_users_bearer_tokens_and_renews_the_security_stamp()
    {
        var (user, token) = await StaffWithTokenAsync(PortalRoles.Admin);
        (await MeAsync(token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stamp = await StampAsync(user);

        for (var i = 0; i < 5; i++)
        {
            using var client = Factory.CreateClient();
            using var failed = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = "Wrong-Password-1!" });
        }

        using var after = await MeAsync(token);
        await after.ShouldBeProblemAsync(401);
        (await StampAsync(user)).ShouldNotBe(stamp);
    }

    [Fact]
    public async Task A_password_reset_ends_the_users_bearer_tokens()
    {
        var (user, token) = await StaffWithTokenAsync(PortalRoles.Admin);
        (await MeAsync(token)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var fresh = (await users.FindByIdAsync(user.Id))!;
            var reset = await users.ResetPasswordAsync(fresh, await users.GeneratePasswordResetTokenAsync(fresh), "Another-Horse-43!");
            reset.Succeeded.ShouldBeTrue();
        }

        using var after = await MeAsync(token);
        await after.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task Disabling_an_account_ends_its_bearer_tokens_and_renews_the_security_stamp()
    {
        var (user, token) = await StaffWithTokenAsync(PortalRoles.Compliance);
        (await MeAsync(token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stamp = await StampAsync(user);

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            (await users.SetLockoutEndDateAsync((await users.FindByIdAsync(user.Id))!, DateTimeOffset.MaxValue)).Succeeded.ShouldBeTrue();
        }

        using var after = await MeAsync(token);
        await after.ShouldBeProblemAsync(401);
        (await StampAsync(user)).ShouldNotBe(stamp);
    }

    [Fact]
    public async Task A_stamp_changed_by_another_instance_ends_tokens_within_30_seconds()
    {
        var (user, token) = await StaffWithTokenAsync(PortalRoles.Admin);
        (await MeAsync(token)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Straight through the store, as another portal instance's write would arrive: this instance is not told.
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var store = (IUserSecurityStampStore<PortalUser>)scope.ServiceProvider.GetRequiredService<IUserStore<PortalUser>>();
            var fresh = (await store.FindByIdAsync(user.Id, CancellationToken.None))!;
            await store.SetSecurityStampAsync(fresh, Guid.NewGuid().ToString("N"), CancellationToken.None);
            (await store.UpdateAsync(fresh, CancellationToken.None)).Succeeded.ShouldBeTrue();
        }

        Clock.Advance(TimeSpan.FromSeconds(29));
        (await MeAsync(token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        Clock.Advance(TimeSpan.FromSeconds(2));
        using var after = await MeAsync(token);
        await after.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task A_role_change_ends_the_users_browser_session_within_30_seconds()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var browser = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Add("Cookie", $"portal.auth={await SignedInCookieAsync(user)}");
        (await browser.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            (await users.AddToRoleAsync((await users.FindByIdAsync(user.Id))!, PortalRoles.Compliance)).Succeeded.ShouldBeTrue();
        }

        Clock.Advance(TimeSpan.FromSeconds(31));
        using var after = await browser.GetAsync("/");
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        after.Headers.Location!.ToString().ShouldContain("/account/login");
    }

    [Fact]
    public async Task A_browser_session_keeps_its_second_factor_when_the_stamp_is_rechecked()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var browser = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        browser.DefaultRequestHeaders.Add("Cookie", $"portal.auth={await SignedInCookieAsync(user)}");
        (await browser.GetAsync("/admin/merchants")).StatusCode.ShouldBe(HttpStatusCode.OK);

        Clock.Advance(TimeSpan.FromSeconds(31));
        using var rechecked = await browser.GetAsync("/admin/merchants");
        var renewed = rechecked.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
        using var next = new HttpRequestMessage(HttpMethod.Get, "/admin/merchants");
        next.Headers.Add("Cookie", renewed.Split(';')[0]);
        browser.DefaultRequestHeaders.Remove("Cookie");
        using var after = await browser.SendAsync(next);

        rechecked.StatusCode.ShouldBe(HttpStatusCode.OK);
        after.StatusCode.ShouldBe(HttpStatusCode.OK, "the renewed cookie must still say the user passed TOTP");
    }

    [Fact]
    public async Task A_totp_code_is_accepted_once_at_the_token_endpoint()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        var key = await Factory.EnableTotpAsync(user);
        var code = Totp.Code(key, Clock.GetUtcNow());

        using var first = await RequestTokenAsync(user, code);
        using var replay = await RequestTokenAsync(user, code);

        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        await replay.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task A_totp_code_older_than_the_last_accepted_one_is_refused()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        var key = await Factory.EnableTotpAsync(user);

        using var next = await RequestTokenAsync(user, Totp.NextCode(key, Clock.GetUtcNow()));
        using var current = await RequestTokenAsync(user, Totp.Code(key, Clock.GetUtcNow()));

        next.StatusCode.ShouldBe(HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
        await current.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task A_totp_code_used_in_the_portal_is_refused_by_every_verifier_after()
    {
        // The sign-in page (SignInManager) and the enrolment page verify through UserManager, as here; the token endpoint too.
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Compliance);
        var key = await Factory.EnableTotpAsync(user);
        var code = Totp.Code(key, Clock.GetUtcNow());

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var fresh = (await users.FindByIdAsync(user.Id))!;
            var provider = users.Options.Tokens.AuthenticatorTokenProvider;
            (await users.VerifyTwoFactorTokenAsync(fresh, provider, code)).ShouldBeTrue();
            (await users.VerifyTwoFactorTokenAsync(fresh, provider, code)).ShouldBeFalse();
        }

        using var api = await RequestTokenAsync(user, code);
        await api.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task A_totp_code_in_other_scripts_digits_is_refused()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        var key = await Factory.EnableTotpAsync(user);
        var fullwidth = string.Concat(Totp.Code(key, Clock.GetUtcNow()).Select(c => (char)('０' + (c - '0'))));

        using var response = await RequestTokenAsync(user, fullwidth);

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("totp_code", out _).ShouldBeTrue();
    }

    /// <summary>The UI cookie a completed sign-in (password and TOTP) would set, issued now by the fake clock.</summary>
    private async Task<string> SignedInCookieAsync(PortalUser user)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        var principal = await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByIdAsync(user.Id))!);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("amr", "mfa"));
        var cookie = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var now = Clock.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddHours(1) };
        scope.ServiceProvider.GetRequiredService<StaffSessions>().Begin(principal, properties); // as a real staff sign-in does
        return cookie.TicketDataFormat.Protect(new AuthenticationTicket(principal, properties, IdentityConstants.ApplicationScheme));
    }

    private async Task<(PortalUser User, string Token)> StaffWithTokenAsync(string role)
    {
        var (user, _) = await Factory.CreateUserAsync(role);
        var key = await Factory.EnableTotpAsync(user);
        using var response = await RequestTokenAsync(user, Totp.Code(key, Clock.GetUtcNow()));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return (user, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!);
    }

    private async Task<HttpResponseMessage> RequestTokenAsync(PortalUser user, string code)
    {
        using var client = Factory.CreateClient();
        return await client.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = PortalFactory.Password, totp_code = code });
    }

    private async Task<HttpResponseMessage> MeAsync(string token)
    {
        using var client = Factory.ClientWithBearer(token);
        return await client.GetAsync("/api/v1/me");
    }

    private async Task<string?> StampAsync(PortalUser user)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        return await users.GetSecurityStampAsync((await users.FindByIdAsync(user.Id))!);
    }
}
