using System.Security.Cryptography;
using System.Text;
using Portal.Core.Security;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// A master key in <c>{data}/keys/master.key</c> (created on first start, readable by the owner only);
/// purpose keys are derived from it with HKDF-SHA256.
/// </summary>
internal sealed class LocalKeyRing : IKeyRing
{
    private readonly byte[] _masterKey;

    public LocalKeyRing(string keysFolder)
    {
        Directory.CreateDirectory(keysFolder);
        var path = Path.Combine(keysFolder, "master.key");
        _masterKey = File.Exists(path) ? Read(path) : Create(path);
    }

    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, salt: [], info: Encoding.UTF8.GetBytes("portal:" + purpose));

    // Wrapped data key: version(1) | nonce(12) | tag(16) | ciphertext(32), AES-256-GCM under the key-encryption key, context as AAD.
    public Task<DataKey> GenerateDataKeyAsync(string context, CancellationToken cancellationToken = default)
    {
        var plaintext = RandomNumberGenerator.GetBytes(32);
        var wrapped = new byte[1 + 12 + 16 + 32];
        wrapped[0] = 1;
        RandomNumberGenerator.Fill(wrapped.AsSpan(1, 12));
        using var aes = new AesGcm(DeriveKey("key-encryption-key"), 16);
        aes.Encrypt(wrapped.AsSpan(1, 12), plaintext, wrapped.AsSpan(29, 32), wrapped.AsSpan(13, 16), Encoding.UTF8.GetBytes(context));
        return Task.FromResult(new DataKey(plaintext, wrapped));
    }

    public Task<byte[]> UnwrapDataKeyAsync(byte[] wrapped, string context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (wrapped.Length != 61 || wrapped[0] != 1)
        {
            throw new CryptographicException("The wrapped data key is malformed.");
        }

        var plaintext = new byte[32];
        using var aes = new AesGcm(DeriveKey("key-encryption-key"), 16);
        aes.Decrypt(wrapped.AsSpan(1, 12), wrapped.AsSpan(29, 32), wrapped.AsSpan(13, 16), plaintext, Encoding.UTF8.GetBytes(context));
        return Task.FromResult(plaintext);
    }

    private static byte[] Read(string path)
    {
        var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
        if (key.Length != 32)
        {
            throw new InvalidOperationException($"The key ring at {path} is damaged: expected a 256-bit key.");
        }

        return key;
    }

    private static byte[] Create(string path)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = path + ".tmp";
        File.WriteAllText(temp, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            // Two processes starting on one fresh folder: the first rename wins, the second reads its key.
            File.Move(temp, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return Read(path);
        }
    }
}
