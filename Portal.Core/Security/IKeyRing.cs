namespace Portal.Core.Security;

/// <summary>
/// The key port. Embedded mode derives keys from a local master key; AWS mode will wrap data keys with KMS.
/// Callers ask for a key by purpose, so one leaked purpose key does not expose the others.
/// </summary>
public interface IKeyRing
{
    /// <summary>A stable 256-bit key for one purpose (for example HMAC of the audit chain or of cursors).</summary>
    byte[] DeriveKey(string purpose);
}
