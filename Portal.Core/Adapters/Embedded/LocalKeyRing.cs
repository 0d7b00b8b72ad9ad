using System.Security.Cryptography;
using System.Text;
using Portal.Core.Security;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// A master key in one file (<c>Portal:KeyPath</c>; created on first start, readable by the owner only);
/// purpose keys are derived from it with HKDF-SHA256.
/// </summary>
internal sealed class LocalKeyRing : IKeyRing
{
    // Within one process, opening and creating are serialised: the no-overwrite link below is what keeps two processes
    // apart (and the data folder's lock keeps a second portal out), but under load threads of one process were seen to
    // end up with two keys, so they do not race at all.
    private static readonly Lock Opening = new();

    private readonly byte[] _masterKey;

    public LocalKeyRing(string keyPath)
    {
        PrivateFiles.CreateFolder(Path.GetDirectoryName(Path.GetFullPath(keyPath))!);
        lock (Opening)
        {
            _masterKey = File.Exists(keyPath) ? Read(keyPath) : Create(keyPath);
        }
    }

    private LocalKeyRing(byte[] masterKey) => _masterKey = masterKey;

    /// <summary>The key ring at <paramref name="keyPath"/>, or null when there is none: never creates one.</summary>
    public static LocalKeyRing? OpenExisting(string keyPath)
    {
        try
        {
            return new LocalKeyRing(Read(keyPath));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
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
        // As ssh does with a private key: a key others could read may already be copied, so say so rather than use it.
        if (PrivateFiles.IsSharedWithOthers(path))
        {
            throw new InvalidOperationException(
                $"The key ring at {path} is readable or writable by other users. Make it private to the portal's user (chmod 600), and rotate it if it may have been copied.");
        }

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
        try
        {
            // Created 0600, flushed to disk, then linked into place without overwriting: two processes starting on
            // one fresh folder cannot both win, and the second reads the first one's key.
            PrivateFiles.WriteAtomically(path, Encoding.ASCII.GetBytes(Convert.ToBase64String(key)), overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return Read(path);
        }
    }
}
