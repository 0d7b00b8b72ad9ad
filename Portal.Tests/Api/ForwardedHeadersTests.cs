using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto count only from the proxies named in Portal:ForwardedHeaders. The test server
/// has no peer address, so a startup filter gives every request one (the load balancer, or a client reaching the portal directly).
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Peer = "10.1.2.3";

    private static PortalFactory Behind(string peer) =>
        new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "2").WithServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress(IPAddress.Parse(peer))));

    private static async Task<HttpStatusCode> TokenAttemptAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/token") { Content = JsonContent.Create(new { email = "x@test.local", password = "Wrong-Password-1!" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<IReadOnlyList<string?>> AuditedSourceIpsAsync(PortalFactory factory) =>
        (await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.TokenIssued, Limit: 10))).Events.Select(e => e.SourceIp).ToList();

    [Fact]
    public async Task A_forwarded_address_from_an_unknown_peer_is_ignored_by_rate_limits_and_audit()
    {
        await using var factory = Behind(Peer);
        using var client = factory.CreateClient();

        (await TokenAttemptAsync(client, "203.0.113.1")).ShouldBe(HttpStatusCode.Unauthorized);
        (await TokenAttemptAsync(client, "203.0.113.2")).ShouldBe(HttpStatusCode.Unauthorized);
        // A fresh forged address per attempt does not buy a fresh limit.
        (await TokenAttemptAsync(client, "203.0.113.3")).ShouldBe(HttpStatusCode.TooManyRequests);

        (await AuditedSourceIpsAsync(factory)).ShouldAllBe(ip => ip == Peer);
    }

    [Theory]
    [InlineData("Portal:ForwardedHeaders:KnownProxies:0", Peer)]
    [InlineData("Portal:ForwardedHeaders:KnownNetworks:0", "10.1.0.0/16")]
    public async Task A_forwarded_address_from_a_known_proxy_is_the_client_for_rate_limits_and_audit(string setting, string value)
    {
        await using var factory = Behind(Peer).WithSetting(setting, value);
        using var client = factory.CreateClient();

        (await TokenAttemptAsync(client, "203.0.113.1")).ShouldBe(HttpStatusCode.Unauthorized);
        (await TokenAttemptAsync(client, "203.0.113.1")).ShouldBe(HttpStatusCode.Unauthorized);
        (await TokenAttemptAsync(client, "203.0.113.2")).ShouldBe(HttpStatusCode.Unauthorized); // another client behind the same proxy
        (await TokenAttemptAsync(client, "203.0.113.1")).ShouldBe(HttpStatusCode.TooManyRequests);

        (await AuditedSourceIpsAsync(factory)).Order().ShouldBe(["203.0.113.1", "203.0.113.1", "203.0.113.2"]);
    }

    [Fact]
    public async Task The_forwarded_scheme_counts_only_from_a_known_proxy()
    {
        await using var direct = Behind(Peer);
        await using var proxied = Behind(Peer).WithSetting("Portal:ForwardedHeaders:KnownProxies:0", Peer);

        // HSTS is sent on https only (and never for localhost), so it shows which scheme the portal believed.
        foreach (var (factory, https) in new[] { (direct, false), (proxied, true) })
        {
            factory.WithSetting("AllowedHosts", "portal.example");
            using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://portal.example/") });
            using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
            request.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await client.SendAsync(request);
            response.Headers.Contains("Strict-Transport-Security").ShouldBe(https);
        }
    }

    [Fact]
    public async Task A_proxy_setting_that_is_not_an_address_stops_start_up()
    {
        await using var factory = new PortalFactory().WithSetting("Portal:ForwardedHeaders:KnownNetworks:0", "10.0.0.0/99");

        var failure = Should.Throw<Exception>(() => factory.CreateClient());

        failure.ToString().ShouldContain("KnownNetworks");
    }

    private sealed class PeerAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
