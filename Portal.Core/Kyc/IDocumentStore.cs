namespace Portal.Core.Kyc;

/// <summary>One stored version of a document.</summary>
public sealed record DocumentVersion(string VersionId, long Length, DateTimeOffset StoredAt);

/// <summary>
/// KYC document bytes. Both adapters (local encrypted files, S3 with SSE-KMS) pass Portal.Tests/Contract/DocumentStoreContract.
/// Content is streamed in and out, never held whole in memory. Every put creates a new version; earlier versions stay.
/// Type sniffing, size limits and hashing happen before the store, in the service's stream.
/// </summary>
public interface IDocumentStore
{
    /// <summary>
    /// Stores <paramref name="content"/> as a new version of <paramref name="documentKey"/> and returns its version id.
    /// If reading the content fails part-way (too large, client gone), the exception propagates and no version is kept.
    /// </summary>
    Task<string> PutAsync(string documentKey, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>A readable stream of one version, or null if the key or version does not exist. Tampered data fails loudly while reading.</summary>
    Task<Stream?> OpenReadAsync(string documentKey, string versionId, CancellationToken cancellationToken);

    /// <summary>Versions of a document, newest first.</summary>
    Task<IReadOnlyList<DocumentVersion>> ListVersionsAsync(string documentKey, CancellationToken cancellationToken);
}
