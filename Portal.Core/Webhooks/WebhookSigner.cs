using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Webhooks;

/// <summary>
/// Stripe's scheme: <c>Portal-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "{t}.{body}" keyed with the endpoint secret&gt;</c>.
/// Receivers recompute the HMAC over the raw body, compare in constant time and refuse timestamps outside a tolerance (replays).
/// </summary>
public static class WebhookSigner
{
    public const string HeaderName = "Portal-Signature";
    public const string SecretPrefix = "whsec_";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new signing secret: <c>whsec_</c> and 32 random base62 characters (190 bits).</summary>
    public static string NewSecret() => SecretPrefix + RandomNumberGenerator.GetString(Alphabet, 32);

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body) =>
        $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Compute(secret, timestamp, body))}";

    /// <summary>True when one v1 signature in the header matches the body and the timestamp is within the tolerance of <paramref name="now"/>.</summary>
    public static bool Verify(string? header, string secret, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var (key, value) = (part[..eq], part[(eq + 1)..]);
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    // not hex: ignored like any unknown part
                }
            }
        }

        if (timestamp is not { } ts || signatures.Count == 0 || Math.Abs(now.ToUnixTimeSeconds() - ts) > (tolerance ?? DefaultTolerance).TotalSeconds)
        {
            return false;
        }

        var expected = Compute(secret, ts, body);
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(s, expected));
    }

    private static byte[] Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
