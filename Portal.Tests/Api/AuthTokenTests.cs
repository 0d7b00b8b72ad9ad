using Portal.Auth;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Tests.Api;

public sealed class AuthTokenTests(AuthTokenTests.Fixture fixture) : IClassFixture<AuthTokenTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000");

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private async Task<HttpResponseMessage> RequestTokenAsync(object body)
    {
        using var client = Factory.CreateClient();
        return await client.PostAsJsonAsync("/api/v1/auth/token", body);
    }

    [Fact]
    public async Task Staff_with_password_and_totp_get_a_bearer_token()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Compliance);
        var key = await Factory.EnableTotpAsync(user);

        using var response = await RequestTokenAsync(new { email = user.Email, password = PortalFactory.Password, totp_code = Totp.Code(key) });

        var json = await response.JsonAsync();
        json.GetProperty("token_type").GetString().ShouldBe("Bearer");
        json.GetProperty("expires_in").GetInt32().ShouldBe(3600);
        using var client = Factory.ClientWithBearer(json.GetProperty("access_token").GetString()!);
        var me = await (await client.GetAsync("/api/v1/me")).JsonAsync();
        me.GetProperty("user_id").GetString().ShouldBe(user.Id);
        me.GetProperty("authenticated_with").GetString().ShouldBe("bearer_token_mfa");
    }

    [Fact]
    public async Task A_wrong_totp_code_is_401()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        await Factory.EnableTotpAsync(user);

        using var response = await RequestTokenAsync(new { email = user.Email, password = PortalFactory.Password, totp_code = "000000" });

        await response.ShouldBeProblemAsync(401);
    }

    [Fact]
    public async Task Staff_without_mfa_are_refused_outside_development()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);

        using var response = await RequestTokenAsync(new { email = user.Email, password = PortalFactory.Password });

        (await response.ShouldBeProblemAsync(403)).GetProperty("title").GetString().ShouldBe("Two-factor authentication required");
    }

    [Fact]
    public async Task Merchants_are_sent_to_api_keys()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);

        using var response = await RequestTokenAsync(new { email = user.Email, password = PortalFactory.Password });

        (await response.ShouldBeProblemAsync(403)).GetProperty("detail").GetString()!.ShouldContain("API key");
    }

    [Fact]
    public async Task Unknown_email_and_wrong_password_look_the_same()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);

        using var unknown = await RequestTokenAsync(new { email = "nobody@test.local", password = "Whatever-123!" });
        using var wrong = await RequestTokenAsync(new { email = user.Email, password = "Wrong-Password-1!" });

        var a = await unknown.ShouldBeProblemAsync(401);
        var b = await wrong.ShouldBeProblemAsync(401);
        a.GetProperty("detail").GetString().ShouldBe(b.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        var key = await Factory.EnableTotpAsync(user);
        for (var i = 0; i < 5; i++)
        {
            using var failed = await RequestTokenAsync(new { email = user.Email, password = "Wrong-Password-1!" });
            ((int)failed.StatusCode).ShouldBeOneOf(401, 423);
        }

        using var locked = await RequestTokenAsync(new { email = user.Email, password = PortalFactory.Password, totp_code = Totp.Code(key) });

        await locked.ShouldBeProblemAsync(423);
        var audit = Factory.Services.GetRequiredService<IAuditLog>();
        var events = await audit.QueryAsync(new AuditQuery(Action: AuditActions.LockedOut, Limit: 100));
        events.Events.ShouldContain(e => e.ActorId == user.Id);
    }

    [Theory]
    [InlineData("{\"email\":\"a@b.c\"}", "password")]
    [InlineData("{\"email\":\"not-an-email\",\"password\":\"x\"}", "email")]
    public async Task Missing_or_invalid_fields_are_a_validation_problem(string body, string field)
    {
        using var client = Factory.CreateClient();
        using var response = await client.PostAsync("/api/v1/auth/token", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task Token_requests_never_log_the_password_or_the_token()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Compliance);
        var key = await Factory.EnableTotpAsync(user);
        using var response = await RequestTokenAsync(new { email = user.Email, password = PortalFactory.Password, totp_code = Totp.Code(key) });
        var token = (await response.JsonAsync()).GetProperty("access_token").GetString()!;
        using var wrong = await RequestTokenAsync(new { email = user.Email, password = "Wrong-Secret-Passw0rd!" });

        var logs = string.Join('\n', Factory.Logs);
        logs.ShouldNotContain(PortalFactory.Password);
        logs.ShouldNotContain("Wrong-Secret-Passw0rd!");
        logs.ShouldNotContain(token[..40]);
        logs.ShouldNotContain(key);
    }
}
