using System.Security.Cryptography;
using System.Text;
using Portal.Core.Security;

namespace Portal.Core.Webhooks;

/// <summary>
/// Signing secrets must be readable to sign, so they are encrypted rather than hashed: AES-256-GCM with a key derived
/// for this purpose from the key ring, the endpoint id bound as associated data (a sealed secret cannot be moved to another endpoint).
/// Layout: nonce(12) | tag(16) | ciphertext.
/// </summary>
public sealed class WebhookSecretProtector(IKeyRing keys)
{
    private readonly byte[] _key = keys.DeriveKey("webhook-endpoint-secrets");

    public byte[] Seal(Guid endpointId, string secret)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[12 + 16 + plaintext.Length];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), plaintext, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), Context(endpointId));
        CryptographicOperations.ZeroMemory(plaintext);
        return sealedBytes;
    }

    public string Open(Guid endpointId, byte[] sealedBytes)
    {
        ArgumentNullException.ThrowIfNull(sealedBytes);
        if (sealedBytes.Length < 28)
        {
            throw new CryptographicException("Sealed webhook secret is truncated.");
        }

        var plaintext = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plaintext, Context(endpointId));
        return Encoding.UTF8.GetString(plaintext);
    }

    private static byte[] Context(Guid endpointId) => Encoding.UTF8.GetBytes($"webhook-endpoint:{endpointId:N}:secret");
}
