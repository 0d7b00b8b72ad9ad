using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Core.Security;

namespace Portal.Core.Merchants;

/// <summary>
/// Envelope encryption of a merchant's personal data: a fresh data key per write from the key port (local key ring or
/// KMS), AES-256-GCM over the JSON, the merchant id bound as associated data so a sealed blob cannot be moved to
/// another merchant. Tampering fails loudly. Contact emails get a keyed hash for exact lookups.
/// </summary>
public sealed class MerchantPiiVault(IKeyRing keys)
{
    private const byte Version = 1;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly byte[] _lookupKey = keys.DeriveKey("lookup:contact-email");

    public async Task<byte[]> SealAsync(Guid merchantId, MerchantPii pii, CancellationToken cancellationToken = default)
    {
        var context = Context(merchantId);
        var dataKey = await keys.GenerateDataKeyAsync(context, cancellationToken);
        try
        {
            var plaintext = JsonSerializer.SerializeToUtf8Bytes(pii, Json);
            // version(1) | wrapped length(2) | wrapped | nonce(12) | tag(16) | ciphertext
            var sealedBytes = new byte[1 + 2 + dataKey.Wrapped.Length + 12 + 16 + plaintext.Length];
            sealedBytes[0] = Version;
            BinaryPrimitives.WriteUInt16BigEndian(sealedBytes.AsSpan(1, 2), (ushort)dataKey.Wrapped.Length);
            dataKey.Wrapped.CopyTo(sealedBytes, 3);
            var offset = 3 + dataKey.Wrapped.Length;
            RandomNumberGenerator.Fill(sealedBytes.AsSpan(offset, 12));
            using var aes = new AesGcm(dataKey.Plaintext, 16);
            aes.Encrypt(sealedBytes.AsSpan(offset, 12), plaintext, sealedBytes.AsSpan(offset + 28), sealedBytes.AsSpan(offset + 12, 16), Encoding.UTF8.GetBytes(context));
            CryptographicOperations.ZeroMemory(plaintext);
            return sealedBytes;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey.Plaintext);
        }
    }

    public async Task<MerchantPii> OpenAsync(Guid merchantId, byte[] sealedBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sealedBytes);
        if (sealedBytes.Length < 3 || sealedBytes[0] != Version)
        {
            throw new CryptographicException("Sealed merchant data has an unknown format.");
        }

        var context = Context(merchantId);
        var wrappedLength = BinaryPrimitives.ReadUInt16BigEndian(sealedBytes.AsSpan(1, 2));
        var offset = 3 + wrappedLength;
        if (sealedBytes.Length < offset + 28)
        {
            throw new CryptographicException("Sealed merchant data is truncated.");
        }

        var key = await keys.UnwrapDataKeyAsync(sealedBytes.AsSpan(3, wrappedLength).ToArray(), context, cancellationToken);
        try
        {
            var plaintext = new byte[sealedBytes.Length - offset - 28];
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(sealedBytes.AsSpan(offset, 12), sealedBytes.AsSpan(offset + 28), sealedBytes.AsSpan(offset + 12, 16), plaintext, Encoding.UTF8.GetBytes(context));
            return JsonSerializer.Deserialize<MerchantPii>(plaintext, Json) ?? throw new CryptographicException("Sealed merchant data is empty.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public string EmailHash(string email) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_lookupKey, Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));

    private static string Context(Guid merchantId) => $"merchant:{merchantId:N}:pii";
}
