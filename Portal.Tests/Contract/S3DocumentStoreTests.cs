using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;
using Portal.Core.Adapters.Aws;
using Portal.Core.Kyc;

namespace Portal.Tests.Contract;

public sealed class S3DocumentStoreTests(S3rver s3rver) : DocumentStoreContract
{
    private const string KmsKeyId = "arn:aws:kms:eu-west-1:111122223333:key/portal-kyc-test";

    // A bucket per test: the store starts empty while other classes share the emulator.
    protected override async Task<IDocumentStore> CreateStoreAsync() => await NewStoreAsync(await s3rver.GetClientAsync());

    // s3rver accepts and ignores the encryption headers, so what the SDK puts on the wire is what these tests can check.
    [Fact]
    public async Task A_small_document_is_one_PutObject_encrypted_with_the_configured_KMS_key_and_a_bucket_key()
    {
        var capture = new CapturingHandler();
        var store = await NewStoreAsync(await s3rver.CreateClientAsync(capture));

        await store.PutAsync(NewKey(), new MemoryStream(RandomBytes(1000)), "application/pdf", Ct);

        var put = capture.Requests.ShouldHaveSingleItem();
        put.Operation.ShouldBe("PutObject");
        ShouldBeEncrypted(put);
        put.Headers["Content-Type"].ShouldBe("application/pdf");
    }

    [Fact]
    public async Task A_12_MiB_document_is_a_completed_multipart_upload_encrypted_with_the_configured_KMS_key()
    {
        var capture = new CapturingHandler();
        var store = await NewStoreAsync(await s3rver.CreateClientAsync(capture));
        var key = NewKey();
        var bytes = RandomBytes(12 * 1024 * 1024);

        var version = await store.PutAsync(key, new MemoryStream(bytes), "image/png", Ct);

        capture.Requests.Select(r => r.Operation).ShouldBe(["CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload"]);
        var create = capture.Requests[0];
        ShouldBeEncrypted(create);
        create.Headers["Content-Type"].ShouldBe("image/png");
        (await ReadAllAsync((await store.OpenReadAsync(key, version, Ct))!)).ShouldBe(bytes);
    }

    [Fact]
    public async Task A_multipart_upload_that_fails_part_way_is_aborted_and_keeps_nothing()
    {
        var capture = new CapturingHandler();
        var store = await NewStoreAsync(await s3rver.CreateClientAsync(capture));
        var key = NewKey();

        // The first 8 MiB part is uploaded before the content fails.
        await Should.ThrowAsync<IOException>(() => store.PutAsync(key, new FailingStream(12 * 1024 * 1024), "application/pdf", Ct));

        capture.Requests.Select(r => r.Operation).ShouldBe(["CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"]);
        (await store.ListVersionsAsync(key, Ct)).ShouldBeEmpty();
    }

    private static void ShouldBeEncrypted(CapturedRequest request)
    {
        request.Headers["x-amz-server-side-encryption"].ShouldBe("aws:kms");
        request.Headers["x-amz-server-side-encryption-aws-kms-key-id"].ShouldBe(KmsKeyId);
        request.Headers["x-amz-server-side-encryption-bucket-key-enabled"].ShouldBe("true", StringCompareShould.IgnoreCase);
    }

    // The bucket is made with the plain client, so that a capturing client sees only the store's own requests.
    private async Task<S3DocumentStore> NewStoreAsync(IAmazonS3 client)
    {
        var bucket = $"kyc-{Guid.NewGuid():N}";
        await (await s3rver.GetClientAsync()).PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Ct);
        return new S3DocumentStore(client, new S3DocumentStoreOptions { BucketName = bucket, KmsKeyId = KmsKeyId, UseChunkEncoding = false }, TimeProvider.System);
    }

    private sealed record CapturedRequest(string Operation, Dictionary<string, string> Headers);

    /// <summary>Records each request the SDK sends (its S3 operation, told from method and query, and its headers).</summary>
    private sealed class CapturingHandler : DelegatingHandler
    {
        private readonly ConcurrentQueue<CapturedRequest> _requests = new();

        public List<CapturedRequest> Requests => [.. _requests];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
            {
                headers[name] = string.Join(',', values);
            }

            _requests.Enqueue(new CapturedRequest(Operation(request), headers));
            return base.SendAsync(request, cancellationToken);
        }

        private static string Operation(HttpRequestMessage request)
        {
            var query = request.RequestUri!.Query;
            var hasUploadId = query.Contains("uploadId=", StringComparison.Ordinal);
            return request.Method.Method switch
            {
                "POST" when query.Contains("uploads", StringComparison.Ordinal) && !hasUploadId => "CreateMultipartUpload",
                "POST" when hasUploadId => "CompleteMultipartUpload",
                "PUT" when hasUploadId => "UploadPart",
                "PUT" => "PutObject",
                "DELETE" when hasUploadId => "AbortMultipartUpload",
                var other => $"{other} {request.RequestUri.PathAndQuery}",
            };
        }
    }
}
