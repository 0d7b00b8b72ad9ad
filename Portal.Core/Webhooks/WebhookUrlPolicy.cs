using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Portal.Core.Webhooks;

/// <summary>
/// Which URLs the portal will POST to. Absolute https (http only with <see cref="WebhookOptions.AllowInsecureUrls"/>), no
/// credentials, at most 2048 characters, and never a private, loopback, link-local or otherwise internal address (SSRF):
/// checked on the URL's host when saved and on every address actually connected to (<see cref="ConnectAsync"/>).
/// </summary>
public sealed class WebhookUrlPolicy(IOptionsMonitor<WebhookOptions> options)
{
    public const int MaxLength = 2048;
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    public bool AllowInsecure => options.CurrentValue.AllowInsecureUrls;

    /// <summary>The problem with the URL's form, or null when it is acceptable (no DNS).</summary>
    public string? CheckFormat(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Enter the endpoint URL.";
        }

        url = url.Trim();
        if (url.Length > MaxLength)
        {
            return $"The URL must be at most {MaxLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            return "Enter an absolute URL, like https://example.com/webhooks.";
        }

        if (uri.Scheme == "http" && !AllowInsecure)
        {
            return "The URL must use https.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "The URL must not contain a user name or password.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "The URL must not contain a fragment (#...).";
        }

        if (!AllowInsecure && (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var literal) && IsInternal(literal))))
        {
            return "The URL must point to a public address, not a private, loopback or link-local one.";
        }

        return null;
    }

    /// <summary>
    /// Format, then DNS: a host that resolves to an internal address is refused. A host that does not resolve now is accepted
    /// (it may exist later); every connection is checked again when sending.
    /// </summary>
    public async Task<string?> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        if (CheckFormat(url) is { } problem)
        {
            return problem;
        }

        var uri = new Uri(url!.Trim());
        if (AllowInsecure || uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return null;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ResolveTimeout);
            var addresses = await Dns.GetHostAddressesAsync(uri.IdnHost, timeout.Token);
            return addresses.Any(IsInternal) ? "The URL's host resolves to a private, loopback or link-local address." : null;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// The connect step of the webhook HTTP client: resolves the host and connects only to allowed addresses, so a DNS
    /// answer that changed since the URL was saved (rebinding) cannot reach the internal network.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(System.Net.Http.SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var allowed = AllowInsecure ? addresses : addresses.Where(a => !IsInternal(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookAddressRefusedException(endpoint.Host);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT, unspecified, multicast and similar ranges.
    /// An IPv6 address that carries an IPv4 one (mapped, IPv4-compatible, NAT64, 6to4) is judged by the IPv4 address it reaches.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && TunnelledIPv4(address) is { } embedded)
        {
            address = embedded;
        }

        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,          // 100.64.0.0/10 carrier-grade NAT
                169 => b[1] == 254,                        // link-local, cloud metadata
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
                198 => b[1] is 18 or 19,                   // benchmarking
                _ => b[0] >= 224,                          // multicast and reserved
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC                    // fc00::/7 unique local
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) // documentation
                || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4] == 0x00 && b[5] == 0x01) // 64:ff9b:1::/48 local-use NAT64: a site's own translator
                || address.IsIPv6Teredo;                    // 2001::/32 Teredo tunnels into IPv4 space; no webhook receiver lives there
        }

        return true;
    }

    /// <summary>
    /// The IPv4 address an IPv6 address reaches through a translator or tunnel: IPv4-mapped (::ffff:0:0/96), IPv4-compatible
    /// (::/96, which also covers :: and ::1), NAT64's well-known prefix (64:ff9b::/96) and 6to4 (2002::/16). Null for any other.
    /// </summary>
    private static IPAddress? TunnelledIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6 || b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b.AsSpan(12, 4));
        }

        if (b.AsSpan(0, 12).SequenceEqual(Nat64WellKnownPrefix))
        {
            return new IPAddress(b.AsSpan(12, 4));
        }

        return b[0] == 0x20 && b[1] == 0x02 ? new IPAddress(b.AsSpan(2, 4)) : null;
    }

    private static readonly byte[] Nat64WellKnownPrefix = [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0];
}

/// <summary>The webhook host resolved only to addresses the portal will not connect to.</summary>
public sealed class WebhookAddressRefusedException(string host, string? reason = null)
    : IOException("Refused to send: " + (reason ?? $"{host} resolves only to private, loopback or link-local addresses."))
{
    public string Host { get; } = host;
}
