using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace PortalInfra;

/// <summary>
/// The KYC documents bucket: SSE-KMS under the documents key with a Bucket Key, versioned, all public access blocked,
/// TLS 1.2+ only, puts without SSE-KMS under that key denied, old versions moved to Glacier Instant Retrieval and expired
/// after a year, server access logs to a bucket of their own.
/// </summary>
public sealed class DocumentsConstruct : Construct
{
    public Bucket Bucket { get; }
    public Bucket AccessLogs { get; }

    /// <summary>
    /// The bucket's ARN built from its name, not a reference to the bucket: the documents key's policy names it, and a
    /// reference would make key and bucket depend on each other.
    /// </summary>
    public string BucketArnLiteral { get; }

    public DocumentsConstruct(Construct scope, string id, PortalSettings settings, IKey key) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(key);
        var bucketName = $"{settings.Prefix}-documents-{Aws.ACCOUNT_ID}-{Aws.REGION}";
        BucketArnLiteral = $"arn:{Aws.PARTITION}:s3:::{bucketName}";
        // Server access logs can only be delivered to an SSE-S3 bucket.
        AccessLogs = new Bucket(this, "AccessLogs", new BucketProps
        {
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_PREFERRED,
            LifecycleRules = [new LifecycleRule { Id = "expire-access-logs", Expiration = Duration.Days(400) }],
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        Bucket = new Bucket(this, "Documents", new BucketProps
        {
            BucketName = bucketName,
            Encryption = BucketEncryption.KMS,
            EncryptionKey = key,
            BucketKeyEnabled = true,
            Versioned = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = AccessLogs,
            ServerAccessLogsPrefix = "documents/",
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "old-versions",
                    NoncurrentVersionTransitions = [new NoncurrentVersionTransition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(30) }],
                    NoncurrentVersionExpiration = Duration.Days(365),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                    ExpiredObjectDeleteMarker = true,
                },
            ],
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        Bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyPutsWithoutSseKms",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["s3:PutObject"],
            Resources = [Bucket.ArnForObjects("*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEquals"] = new Dictionary<string, object> { ["s3:x-amz-server-side-encryption"] = "aws:kms" },
            },
        }));
        Bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyPutsUnderAnotherKey",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["s3:PutObject"],
            Resources = [Bucket.ArnForObjects("*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEquals"] = new Dictionary<string, object> { ["s3:x-amz-server-side-encryption-aws-kms-key-id"] = key.KeyArn },
            },
        }));
    }
}
