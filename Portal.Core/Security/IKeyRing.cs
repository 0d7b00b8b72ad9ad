namespace Portal.Core.Security;

/// <summary>
/// The key port. Embedded mode derives keys from a local master key; AWS mode wraps data keys with KMS.
/// Callers ask for a key by purpose, so one leaked purpose key does not expose the others.
/// </summary>
public interface IKeyRing
{
    /// <summary>A stable 256-bit key for one purpose (for example HMAC of the audit chain or of cursors).</summary>
    byte[] DeriveKey(string purpose);

    /// <summary>A fresh 256-bit data key and its wrapped form (envelope encryption). The context is bound to the wrap (KMS encryption context).</summary>
    Task<DataKey> GenerateDataKeyAsync(string context, CancellationToken cancellationToken = default);

    /// <summary>Unwraps a data key; fails loudly (<see cref="System.Security.Cryptography.CryptographicException"/>) if it or its context was altered.</summary>
    Task<byte[]> UnwrapDataKeyAsync(byte[] wrapped, string context, CancellationToken cancellationToken = default);
}

public sealed record DataKey(byte[] Plaintext, byte[] Wrapped);
