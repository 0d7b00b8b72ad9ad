using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Auth;
using Portal.Components.Account;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Account;

/// <summary>
/// Admin and Compliance sessions end after Auth:StaffIdleMinutes idle and Auth:StaffAbsoluteHours after sign-in, for the
/// cookie and the live circuit; merchants keep the sliding session. A fake clock moves time on.
/// </summary>
public sealed class StaffSessionTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private PortalFactory Factory(params (string Key, string Value)[] settings)
    {
        var factory = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000").WithServices(s => s.AddSingleton<TimeProvider>(_clock));
        foreach (var (key, value) in settings)
        {
            factory.WithSetting(key, value);
        }

        return factory;
    }

    private static async Task<bool> StillSignedInAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/account/activity", null);
        return response.StatusCode == HttpStatusCode.NoContent;
    }

    private static async Task<HttpClient> SignedInStaffAsync(PortalFactory factory, string role = PortalRoles.Admin)
    {
        var (user, _) = await factory.CreateUserAsync(role);
        var client = factory.HttpsClient();
        await AccountForms.SignInAndEnrolAsync(client, user.Email!);
        return client;
    }

    [Fact]
    public async Task An_anonymous_activity_ping_is_told_401_not_an_antiforgery_400()
    {
        await using var factory = Factory();
        using var client = factory.HttpsClient();

        using var response = await client.PostAsync("/account/activity", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("antiforgery");
    }

    [Fact]
    public async Task Staff_cookie_ends_after_fifteen_minutes_idle()
    {
        await using var factory = Factory();
        using var client = await SignedInStaffAsync(factory);

        _clock.Advance(TimeSpan.FromMinutes(14));
        (await StillSignedInAsync(client)).ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMinutes(15));

        (await StillSignedInAsync(client)).ShouldBeFalse();
        using var page = await client.GetAsync("/admin/kyc");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.OriginalString.ShouldContain("/account/login");
    }

    [Fact]
    public async Task Compliance_cookie_ends_after_the_configured_idle_minutes()
    {
        await using var factory = Factory(("Auth:StaffIdleMinutes", "5"));
        using var client = await SignedInStaffAsync(factory, PortalRoles.Compliance);

        _clock.Advance(TimeSpan.FromMinutes(6));

        (await StillSignedInAsync(client)).ShouldBeFalse();
    }

    [Fact]
    public async Task Staff_cookie_stays_open_while_active_and_keeps_its_second_factor()
    {
        await using var factory = Factory();
        using var client = await SignedInStaffAsync(factory);

        // Past Identity's 30-minute principal refresh: the session and amr=mfa must survive it.
        for (var minute = 10; minute <= 70; minute += 10)
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
            (await StillSignedInAsync(client)).ShouldBeTrue($"at {minute} minutes");
        }

        using var page = await client.GetAsync("/admin/kyc");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Staff_cookie_ends_after_the_absolute_lifetime_however_active()
    {
        await using var factory = Factory(("Auth:StaffAbsoluteHours", "1"));
        using var client = await SignedInStaffAsync(factory);
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
            (await StillSignedInAsync(client)).ShouldBeTrue();
        }

        _clock.Advance(TimeSpan.FromMinutes(10));

        (await StillSignedInAsync(client)).ShouldBeFalse();
    }

    [Fact]
    public async Task Merchant_cookie_is_not_ended_by_the_staff_idle_limit()
    {
        await using var factory = Factory();
        var (merchant, _) = await factory.CreateUserAsync(PortalRoles.Merchant);
        using var client = factory.HttpsClient();
        using var signedIn = await AccountForms.SignInAsync(client, merchant.Email!);

        _clock.Advance(TimeSpan.FromMinutes(45));

        (await StillSignedInAsync(client)).ShouldBeTrue();
    }

    /// <summary>A staff principal as a sign-in makes it (session started now), and the circuit's revalidation for it.</summary>
    private static async Task<(ClaimsPrincipal Principal, AuthenticationProperties Properties, IdentityRevalidatingAuthenticationStateProvider Circuit)> StaffCircuitAsync(PortalFactory factory, string role)
    {
        var (user, _) = await factory.CreateUserAsync(role);
        await using var scope = factory.Services.CreateAsyncScope();
        var principal = await scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>().CreateUserPrincipalAsync(user);
        var properties = new AuthenticationProperties();
        factory.Services.GetRequiredService<StaffSessions>().Begin(principal, properties);
        return (principal, properties, ActivatorUtilities.CreateInstance<IdentityRevalidatingAuthenticationStateProvider>(factory.Services));
    }

    [Fact]
    public async Task Staff_circuit_ends_after_fifteen_minutes_idle()
    {
        await using var factory = Factory();
        var (principal, _, circuit) = await StaffCircuitAsync(factory, PortalRoles.Admin);
        using var _ = circuit;

        _clock.Advance(TimeSpan.FromMinutes(14));
        (await circuit.IsStillSignedInAsync(new AuthenticationState(principal))).ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMinutes(2));

        (await circuit.IsStillSignedInAsync(new AuthenticationState(principal))).ShouldBeFalse();
    }

    [Fact]
    public async Task Staff_circuit_stays_open_while_the_session_is_active()
    {
        await using var factory = Factory();
        var (principal, properties, circuit) = await StaffCircuitAsync(factory, PortalRoles.Compliance);
        using var _ = circuit;
        var sessions = factory.Services.GetRequiredService<StaffSessions>();
        var cookieOptions = factory.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var scheme = new AuthenticationScheme(IdentityConstants.ApplicationScheme, null, typeof(CookieAuthenticationHandler));

        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
            // The activity ping from the page: a request on the same session.
            var request = new CookieValidatePrincipalContext(new DefaultHttpContext(), scheme, cookieOptions, new AuthenticationTicket(principal, properties, scheme.Name));
            sessions.TryContinue(request).ShouldBeTrue();
        }

        (await circuit.IsStillSignedInAsync(new AuthenticationState(principal))).ShouldBeTrue();
    }

    [Fact]
    public async Task Merchant_circuit_is_not_ended_by_the_staff_idle_limit()
    {
        await using var factory = Factory();
        var (principal, _, circuit) = await StaffCircuitAsync(factory, PortalRoles.Merchant);
        using var _ = circuit;

        _clock.Advance(TimeSpan.FromHours(2));

        (await circuit.IsStillSignedInAsync(new AuthenticationState(principal))).ShouldBeTrue();
    }
}
