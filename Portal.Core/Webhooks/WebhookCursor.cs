using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Portal.Core.Security;

namespace Portal.Core.Webhooks;

/// <summary>Opaque delivery-log cursors: the last id of a page, HMAC-signed together with the merchant, so an edited or another merchant's cursor is refused.</summary>
public sealed class WebhookCursor(IKeyRing keys)
{
    private readonly byte[] _key = keys.DeriveKey("cursor:webhook-deliveries");

    public string Encode(Guid merchantId, Guid before)
    {
        var id = before.ToByteArray();
        return WebEncoders.Base64UrlEncode(id) + "." + WebEncoders.Base64UrlEncode(Mac(merchantId, id));
    }

    public Guid? Decode(Guid merchantId, string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var parts = cursor.Split('.');
        if (parts.Length != 2 || cursor.Length > 128)
        {
            return null;
        }

        try
        {
            var id = WebEncoders.Base64UrlDecode(parts[0]);
            return id.Length == 16 && CryptographicOperations.FixedTimeEquals(Mac(merchantId, id), WebEncoders.Base64UrlDecode(parts[1])) ? new Guid(id) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private byte[] Mac(Guid merchantId, byte[] id) => HMACSHA256.HashData(_key, (byte[])[.. Encoding.UTF8.GetBytes(merchantId.ToString("N")), .. id])[..16];
}
