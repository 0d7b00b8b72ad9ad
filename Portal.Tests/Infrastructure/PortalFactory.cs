using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Auth;
using Portal.Core;
using Portal.Core.ApiKeys;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The real portal in the "Testing" environment (staff MFA required, no demo users, like any deployment that is not a
/// developer's machine) on a fresh data folder; <see cref="InDevelopment"/> for the browser journeys that use the demo accounts.
/// Every log line is captured so tests can prove secrets never reach the logs.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public const string Password = "Correct-Horse-42!";

    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);

    public PortalFactory()
    {
        DataPath = Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N"));
        _settings["Portal:DataPath"] = DataPath;
        _settings["Webhooks:AllowInsecureUrls"] = "true"; // test receivers listen on http://127.0.0.1
        // Outside Development the portal needs both (it refuses the published demo password and builds email links from this).
        _settings["Portal:DemoPassword"] = "Testing-Only-Demo-Pw-42!";
        _settings["Portal:PublicBaseUrl"] = PublicBaseUrl;
    }

    /// <summary>The public address outside Development; <see cref="HttpsClient"/> calls it (the auth cookie is Secure there).</summary>
    public const string PublicBaseUrl = "https://localhost/";

    private string _environment = "Testing";

    /// <summary>
    /// As on a developer's machine: demo accounts with the published password, /dev/outbox, links from the request's address.
    /// Staff MFA stays required, unlike appsettings.Development.json: the staff journeys test it.
    /// </summary>
    public PortalFactory InDevelopment()
    {
        _environment = Microsoft.Extensions.Hosting.Environments.Development;
        _settings.Remove("Portal:DemoPassword");
        _settings.Remove("Portal:PublicBaseUrl");
        _settings["Auth:RequireStaffMfa"] = "true";
        return this;
    }

    public PortalFactory InEnvironment(string environment)
    {
        _environment = environment;
        if (environment == Microsoft.Extensions.Hosting.Environments.Production)
        {
            _settings["Portal:KeyPath"] = DataPath + "-keys/master.key"; // Production wants the key apart from the data
        }

        return this;
    }

    public PortalFactory WithoutSetting(string key)
    {
        _settings.Remove(key);
        return this;
    }

    /// <summary>
    /// A client whose every /api call is validated against the live OpenAPI document (<see cref="OpenApiConformanceHandler"/>),
    /// innermost, so each redirect hop is checked as sent. Hides the factory's own <c>CreateClient</c> so every API test gets it.
    /// </summary>
    public new HttpClient CreateClient() => CreateClient(ClientOptions);

    /// <inheritdoc cref="CreateClient()"/>
    public new HttpClient CreateClient(WebApplicationFactoryClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handlers = new List<DelegatingHandler>();
        if (options.AllowAutoRedirect)
        {
            handlers.Add(new Microsoft.AspNetCore.Mvc.Testing.Handlers.RedirectHandler(options.MaxAutomaticRedirections));
        }

        if (options.HandleCookies)
        {
            handlers.Add(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler());
        }

        handlers.Add(new OpenApiConformanceHandler(_skipRequestValidation));
        return CreateDefaultClient(options.BaseAddress, [.. handlers]);
    }

    private string? _skipRequestValidation;

    /// <summary>
    /// For tests that send malformed requests on purpose: their clients do not validate requests against the document (their
    /// answers still are). Say why.
    /// </summary>
    public PortalFactory WithoutRequestValidation(string reason)
    {
        _skipRequestValidation = reason;
        return this;
    }

    /// <summary>A client on the public https address that keeps cookies and does not follow redirects (tests read them).</summary>
    public HttpClient HttpsClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(PublicBaseUrl), AllowAutoRedirect = false });

    public string DataPath { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    public PortalFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    private readonly List<Action<IServiceCollection>> _services = [];

    /// <summary>Replaces or adds services after the portal registered its own (fakes of ports another feature provides).</summary>
    public PortalFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Serve on a real Kestrel port (for the browser) and return the base address.</summary>
    public string StartKestrel()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(l => l.AddProvider(new CapturingLoggerProvider(Logs)));
        builder.ConfigureTestServices(services => _services.ForEach(configure => configure(services)));
    }

    public async Task<(PortalUser User, Actor Actor)> CreateUserAsync(string role, string? email = null)
    {
        email ??= $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@test.local";
        await using var scope = Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<PortalAccounts>();
        var (user, errors) = await accounts.CreateAsync(email, Password, role, emailConfirmed: true);
        Assert.True(user is not null, string.Join("; ", errors.Select(e => e.Description)));
        var claims = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().GetClaimsAsync(user!);
        Guid? merchantId = Guid.TryParse(claims.FirstOrDefault(c => c.Type == PortalPolicies.MerchantIdClaim)?.Value, out var m) ? m : null;
        return (user!, new Actor(user!.Id, email, role, merchantId, "127.0.0.1"));
    }

    /// <summary>Turns on TOTP for a user and returns the authenticator key (base32).</summary>
    public async Task<string> EnableTotpAsync(PortalUser user)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var fresh = await users.FindByIdAsync(user.Id);
        await users.ResetAuthenticatorKeyAsync(fresh!);
        await users.SetTwoFactorEnabledAsync(fresh!, true);
        return (await users.GetAuthenticatorKeyAsync(fresh!))!;
    }

    /// <summary>A staff user with TOTP and a bearer token from the real token endpoint.</summary>
    public async Task<string> StaffTokenAsync(string role) => (await StaffWithTokenAsync(role)).Token;

    /// <summary>A staff user with TOTP, and a bearer token from the real token endpoint.</summary>
    public async Task<(PortalUser User, string Token)> StaffWithTokenAsync(string role)
    {
        var (user, _) = await CreateUserAsync(role);
        var key = await EnableTotpAsync(user);
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = Password, totp_code = Totp.Code(key) });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return (user, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!);
    }

    /// <summary>A merchant user and one of its API keys.</summary>
    public async Task<(Actor Merchant, string Secret)> MerchantKeyAsync()
    {
        var (_, actor) = await CreateUserAsync(PortalRoles.Merchant);
        var created = await Services.GetRequiredService<ApiKeyService>().CreateAsync(actor, "test key");
        Assert.True(created.Succeeded, created.Error);
        return (actor, created.Value!.Secret);
    }

    /// <summary>A merchant that passed KYC (registered, then approved as a review would record it) with an API key.</summary>
    public async Task<(Actor Merchant, string Secret)> ApprovedMerchantKeyAsync()
    {
        var (actor, secret) = await MerchantKeyAsync();
        var cac = Interlocked.Increment(ref _nextCac).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        await DemoMerchant.ApproveAsync(Services, actor, "Shop " + cac, cac);
        return (actor, secret);
    }

    private static int _nextCac = Random.Shared.Next(100_000, 800_000);

    public HttpClient ClientWithBearer(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Stops the portal and leaves its data folder for the caller (a fixture writer, an upgrade test's checks).</summary>
    public async ValueTask DisposeWithoutDeletingAsync()
    {
        _keepData = true;
        await DisposeAsync();
    }

    private bool _keepData;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (_keepData)
        {
            return;
        }

        try
        {
            Directory.Delete(DataPath, recursive: true);
            if (Directory.Exists(DataPath + "-keys"))
            {
                Directory.Delete(DataPath + "-keys", recursive: true);
            }
        }
        catch (IOException)
        {
            // A SQLite handle may linger for a moment; the temp folder is cleaned by the OS.
        }
    }
}

internal sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Both the rendered message and the structured values: a secret must not hide in either.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} {exception}");
        }
    }
}
