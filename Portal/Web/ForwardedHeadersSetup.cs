using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Portal.Web;

/// <summary>
/// <c>Portal:ForwardedHeaders</c>: the load balancers or reverse proxies whose X-Forwarded-For and X-Forwarded-Proto the
/// portal believes. Empty (the default) trusts nobody, not even loopback: a header from any other peer is ignored, so a
/// client cannot pick its own address for the rate limits and the audit trail.
/// </summary>
public sealed class ForwardedHeadersSettings : IValidatableObject
{
    public const string Section = "Portal:ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>10.0.3.7</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. <c>10.0.0.0/16</c> for a load balancer's subnet.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Trusted proxies a request may pass through; each one's entry in X-Forwarded-For is read, right to left.</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"{Section}:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        }

        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"{Section}:KnownNetworks: '{network}' is not a network in CIDR form (like 10.0.0.0/16).", [nameof(KnownNetworks)]);
        }
    }
}

internal static class ForwardedHeadersSetup
{
    public static IServiceCollection AddPortalForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, settings) =>
        {
            // With no proxy listed the middleware would believe every peer, so then no header is read at all.
            var trusted = settings.Value.KnownProxies.Length + settings.Value.KnownNetworks.Length > 0;
            o.ForwardedHeaders = trusted ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
            o.ForwardLimit = settings.Value.ForwardLimit;
            // The framework trusts loopback by default; the settings are the whole list.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Value.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>First in the pipeline: everything after it (HSTS, rate limits, audit) sees the client's address and scheme.</summary>
    public static void UsePortalForwardedHeaders(this WebApplication app) => app.UseForwardedHeaders();
}
