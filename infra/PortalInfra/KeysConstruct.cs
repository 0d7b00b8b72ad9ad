using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Constructs;

namespace PortalInfra;

/// <summary>
/// Customer-managed KMS keys, rotated yearly, retained on stack deletion: one for the DynamoDB tables, one for the
/// documents bucket, one for CloudTrail. The account root keeps administration (CDK's default key policy); the portal's
/// task role gets <c>GenerateDataKey</c> and <c>Decrypt</c> only through the key policy, only via the owning service, and
/// only with that service's encryption context naming the portal's own tables or bucket.
/// </summary>
public sealed class KeysConstruct : Construct
{
    public Key DataKey { get; }
    public Key DocumentsKey { get; }
    public Key AuditKey { get; }

    public KeysConstruct(Construct scope, string id, PortalSettings settings) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DataKey = NewKey("DataKey", $"alias/{settings.Prefix}-data", "Merchant Portal DynamoDB tables");
        DocumentsKey = NewKey("DocumentsKey", $"alias/{settings.Prefix}-documents", "Merchant Portal KYC documents bucket (SSE-KMS)");
        AuditKey = NewKey("AuditKey", $"alias/{settings.Prefix}-audit", "Merchant Portal CloudTrail log files");
    }

    private Key NewKey(string id, string alias, string description) => new(this, id, new KeyProps
    {
        Alias = alias,
        Description = description,
        EnableKeyRotation = true,
        PendingWindow = Duration.Days(30),
        RemovalPolicy = RemovalPolicy.RETAIN,
    });

    /// <summary>The task role may use the data key only through DynamoDB, for tables named <c>{prefix}-*</c>.</summary>
    public void AllowTaskRoleOnTables(IRole taskRole, string tableNamePattern)
    {
        ArgumentNullException.ThrowIfNull(taskRole);
        DataKey.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PortalTaskUsesKeyForItsTables",
            Effect = Effect.ALLOW,
            Principals = [taskRole],
            Actions = ["kms:GenerateDataKey", "kms:Decrypt"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"dynamodb.{Stack.Of(this).Region}.amazonaws.com" },
                ["StringLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:dynamodb:tableName"] = tableNamePattern },
            },
        }));
    }

    /// <summary>The task role may use the documents key only through S3, for the documents bucket (Bucket Key: the bucket's ARN is the context).</summary>
    public void AllowTaskRoleOnBucket(IRole taskRole, string bucketArn)
    {
        ArgumentNullException.ThrowIfNull(taskRole);
        DocumentsKey.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PortalTaskUsesKeyForDocumentsBucket",
            Effect = Effect.ALLOW,
            Principals = [taskRole],
            Actions = ["kms:GenerateDataKey", "kms:Decrypt"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    ["kms:ViaService"] = $"s3.{Stack.Of(this).Region}.amazonaws.com",
                    ["kms:EncryptionContext:aws:s3:arn"] = bucketArn,
                },
            },
        }));
    }

    /// <summary>CloudTrail may encrypt log files for this account's trails (and describe the key); nobody else is granted it.</summary>
    public void AllowCloudTrail()
    {
        var stack = Stack.Of(this);
        AuditKey.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudTrailEncryptsLogFiles",
            Effect = Effect.ALLOW,
            Principals = [new ServicePrincipal("cloudtrail.amazonaws.com")],
            Actions = ["kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:cloudtrail:arn"] = $"arn:{stack.Partition}:cloudtrail:*:{stack.Account}:trail/*" },
            },
        }));
        AuditKey.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudTrailDescribesKey",
            Effect = Effect.ALLOW,
            Principals = [new ServicePrincipal("cloudtrail.amazonaws.com")],
            Actions = ["kms:DescribeKey"],
            Resources = ["*"],
        }));
    }
}
