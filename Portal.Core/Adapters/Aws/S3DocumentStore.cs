using System.Buffers;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Portal.Core.Kyc;

namespace Portal.Core.Adapters.Aws;

/// <summary>Where and how <see cref="S3DocumentStore"/> writes.</summary>
public sealed record S3DocumentStoreOptions
{
    public required string BucketName { get; init; }

    /// <summary>The KMS key (id, ARN or alias) every object is encrypted under.</summary>
    public required string KmsKeyId { get; init; }

    /// <summary>
    /// Signed aws-chunked uploads (the SDK default). Turn off only against s3rver, which otherwise stores the chunk framing
    /// inside the object (see /work/shared/AWS-LOCAL.md).
    /// </summary>
    public bool UseChunkEncoding { get; init; } = true;
}

/// <summary>
/// KYC documents in S3 with SSE-KMS and a bucket key. Every version is its own object, <c>{documentKey}/{versionId}</c>, so
/// earlier versions survive whether or not the bucket is versioned, and the version id is a UUIDv7 in hex: listing a
/// document's prefix in descending key order is newest first. Content of unknown length streams through one 8 MiB buffer:
/// a single PutObject when it fits, else a multipart upload that is aborted if anything fails, so no partial version stays.
/// </summary>
internal sealed class S3DocumentStore : IDocumentStore
{
    // Above S3's 5 MiB minimum for all but the last part; also the most memory one put holds.
    private const int PartSize = 8 * 1024 * 1024;

    private readonly IAmazonS3 _client;
    private readonly S3DocumentStoreOptions _options;
    private readonly TimeProvider _clock;

    public S3DocumentStore(IAmazonS3 client, S3DocumentStoreOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _clock = clock;
    }

    public async Task<string> PutAsync(string documentKey, Stream content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var versionId = DocumentVersionIds.Next(_clock);
        var key = ObjectKey(documentKey, versionId);

        // Rented: an 8 MiB array per put would land on the large object heap every time.
        var buffer = ArrayPool<byte>.Shared.Rent(PartSize);
        try
        {
            var filled = await FillAsync(content, buffer, cancellationToken);
            if (filled < PartSize)
            {
                await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _options.BucketName,
                    Key = key,
                    InputStream = new MemoryStream(buffer, 0, filled, writable: false),
                    AutoCloseStream = true,
                    ContentType = contentType,
                    ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS,
                    ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId,
                    BucketKeyEnabled = true,
                    UseChunkEncoding = _options.UseChunkEncoding,
                }, cancellationToken);
                return versionId;
            }

            await PutMultipartAsync(key, content, contentType, buffer, filled, cancellationToken);
            return versionId;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Stream?> OpenReadAsync(string documentKey, string versionId, CancellationToken cancellationToken)
    {
        // Anything but our own hex ids could reach another document's objects ("x/y" would name key/x's version y).
        if (!Guid.TryParseExact(versionId, "N", out _))
        {
            return null;
        }

        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _options.BucketName,
                Key = ObjectKey(documentKey, versionId),
                // Lets the SDK check the stored checksum while the caller reads, so corrupted bytes fail loudly.
                ChecksumMode = ChecksumMode.ENABLED,
            }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode == "NoSuchKey")
        {
            return null;
        }

        return new ResponseStream(response);
    }

    public async Task<IReadOnlyList<DocumentVersion>> ListVersionsAsync(string documentKey, CancellationToken cancellationToken)
    {
        // The trailing slash keeps "key_other" out of "key"; the id check keeps out deeper keys such as "key/sub/{id}".
        var prefix = documentKey + "/";
        var request = new ListObjectsV2Request { BucketName = _options.BucketName, Prefix = prefix };
        var versions = new List<DocumentVersion>();
        do
        {
            var response = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                var versionId = item.Key[prefix.Length..];
                if (Guid.TryParseExact(versionId, "N", out _))
                {
                    versions.Add(new DocumentVersion(versionId, item.Size ?? 0, item.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : default));
                }
            }

            request.ContinuationToken = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);

        versions.Sort((a, b) => string.CompareOrdinal(b.VersionId, a.VersionId));
        return versions;
    }

    private async Task PutMultipartAsync(string key, Stream content, string contentType, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        var upload = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.BucketName,
            Key = key,
            ContentType = contentType,
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS,
            ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId,
            BucketKeyEnabled = true,
            // Declared up front so that S3 accepts the per-part checksums the SDK sends by default at completion.
            ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
        }, cancellationToken);

        try
        {
            var parts = new List<PartETag>();
            while (filled > 0)
            {
                var part = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.BucketName,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = parts.Count + 1,
                    InputStream = new MemoryStream(buffer, 0, filled, writable: false),
                    PartSize = filled,
                    ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
                    UseChunkEncoding = _options.UseChunkEncoding,
                }, cancellationToken);
                parts.Add(new PartETag(part));

                // The part is sent before the next is read: one buffer, whatever the document's size.
                filled = await FillAsync(content, buffer, cancellationToken);
            }

            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.BucketName,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, cancellationToken);
        }
        catch
        {
            // Without the abort the uploaded parts would linger (and be billed) though no version exists. Not the caller's
            // token: a cancelled request must still clean up. A failed abort must not hide the original failure.
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.BucketName, Key = key, UploadId = upload.UploadId }, CancellationToken.None);
            }
            catch (AmazonServiceException)
            {
            }
            catch (AmazonClientException)
            {
            }
            catch (HttpRequestException)
            {
            }

            throw;
        }
    }

    /// <summary>Reads until the part buffer is full or the content ends; fewer than <see cref="PartSize"/> bytes means it ended.</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < PartSize)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled, PartSize - filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private static string ObjectKey(string documentKey, string versionId) => $"{documentKey}/{versionId}";

    /// <summary>The object's body; disposing it disposes the response, which returns the connection.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Streams.ReadOnlyStream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override long Length => response.ContentLength;

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
