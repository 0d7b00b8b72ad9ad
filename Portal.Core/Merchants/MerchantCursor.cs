using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Portal.Core.Security;

namespace Portal.Core.Merchants;

/// <summary>
/// Opaque, tamper-proof listing cursors: the keyset position plus a fingerprint of the filters, HMAC-signed with a key
/// from the key ring. An edited, forged or foreign cursor (one from another filter) is refused, never trusted.
/// </summary>
public sealed class MerchantCursor(IKeyRing keys)
{
    private readonly byte[] _key = keys.DeriveKey("cursor:merchants");

    public string Encode(MerchantKeyset position, MerchantListQuery filters)
    {
        ArgumentNullException.ThrowIfNull(position);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(position.SortKey, position.Id, Fingerprint(filters)));
        return WebEncoders.Base64UrlEncode(payload) + "." + WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, payload));
    }

    /// <summary>The position, or null when the cursor is malformed, altered or was issued for other filters.</summary>
    public MerchantKeyset? Decode(string cursor, MerchantListQuery filters)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var parts = cursor.Split('.');
        if (parts.Length != 2 || cursor.Length > 512)
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

            var p = JsonSerializer.Deserialize<Payload>(payload);
            return p is not null && p.F == Fingerprint(filters) ? new MerchantKeyset(p.S, p.I) : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static string Fingerprint(MerchantListQuery q) => $"{q.Status}|{q.CacNumber}|{(q.NamePrefix is null ? "" : MerchantSort.NormaliseName(q.NamePrefix))}|{q.Limit}";

    private sealed record Payload(string S, Guid I, string F);
}
