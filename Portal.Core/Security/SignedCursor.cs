using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Portal.Core.Security;

/// <summary>
/// Opaque, tamper-proof listing cursors: a keyset position plus a fingerprint of the filters it was issued for,
/// HMAC-signed with a key from the key ring (one key per <c>purpose</c>). An edited, forged or foreign cursor (one from
/// another filter or another listing) decodes to null, never to a trusted position.
/// </summary>
public sealed class SignedCursor<TPosition>(IKeyRing keys, string purpose) where TPosition : class
{
    private const int MaxLength = 512;
    private readonly byte[] _key = (keys ?? throw new ArgumentNullException(nameof(keys))).DeriveKey("cursor:" + purpose);

    public string Encode(TPosition position, string filterFingerprint)
    {
        ArgumentNullException.ThrowIfNull(position);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Envelope(position, filterFingerprint));
        return WebEncoders.Base64UrlEncode(payload) + "." + WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, payload));
    }

    /// <summary>The position, or null when the cursor is malformed, altered or was issued for other filters.</summary>
    public TPosition? Decode(string cursor, string filterFingerprint)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var parts = cursor.Split('.');
        if (parts.Length != 2 || cursor.Length > MaxLength)
        {
            return null;
        }

        try
        {
            var payload = WebEncoders.Base64UrlDecode(parts[0]);
            if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), WebEncoders.Base64UrlDecode(parts[1])))
            {
                return null;
            }

            var envelope = JsonSerializer.Deserialize<Envelope>(payload);
            return envelope is not null && envelope.F == filterFingerprint ? envelope.P : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private sealed record Envelope(TPosition P, string F);
}
