using Amazon.CDK;
using Amazon.CDK.AWS.CloudTrail;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace PortalInfra;

/// <summary>
/// CloudTrail for PCI DSS Requirement 10: a multi-region trail with log file validation, encrypted under the audit key,
/// into its own bucket with object lock (compliance mode, one year: nobody, root included, can delete or overwrite a log
/// file before then). Advanced event selectors log management events, every object-level event on the documents bucket,
/// and DynamoDB data events: all of them on the merchant, dispute and fraud tables, writes only on the payments table
/// (its reads are the hot path; see docs/aws.md for the cost).
/// </summary>
public sealed class AuditConstruct : Construct
{
    public Bucket TrailBucket { get; }
    public Trail Trail { get; }

    public AuditConstruct(Construct scope, string id, PortalSettings settings, IKey key, IBucket documents, IReadOnlyDictionary<string, Table> tables)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tables);
        TrailBucket = new Bucket(this, "TrailLogs", new BucketProps
        {
            Encryption = BucketEncryption.KMS,
            EncryptionKey = key,
            BucketKeyEnabled = true,
            Versioned = true,
            ObjectLockEnabled = true,
            ObjectLockDefaultRetention = ObjectLockRetention.Compliance(Duration.Days(365)),
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            LifecycleRules = [new LifecycleRule { Id = "archive-after-90-days", Transitions = [new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(90) }] }],
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        Trail = new Trail(this, "Trail", new TrailProps
        {
            TrailName = $"{settings.Prefix}-trail",
            Bucket = TrailBucket,
            EncryptionKey = key,
            EnableFileValidation = true,
            IsMultiRegionTrail = true,
            IncludeGlobalServiceEvents = true,
            ManagementEvents = ReadWriteType.ALL,
        });

        var payments = tables[Portal.Core.Adapters.Aws.DynamoTableDefinitions.Payments.Store];
        var otherTables = tables.Values.Where(t => t != payments).Select(t => (object)t.TableArn).ToArray();
        var cfn = (CfnTrail)Trail.Node.DefaultChild!;
        // Advanced selectors replace the basic ones (the two cannot be mixed): management events are listed here too.
        cfn.AddPropertyDeletionOverride("EventSelectors");
        cfn.AddPropertyOverride("AdvancedEventSelectors", new object[]
        {
            Selector("Management events", Field("eventCategory", "Management")),
            Selector("Documents bucket objects", Field("eventCategory", "Data"), Field("resources.type", "AWS::S3::Object"),
                new Dictionary<string, object> { ["Field"] = "resources.ARN", ["StartsWith"] = new object[] { documents.BucketArn + "/" } }),
            Selector("Portal tables (reads and writes)", Field("eventCategory", "Data"), Field("resources.type", "AWS::DynamoDB::Table"),
                new Dictionary<string, object> { ["Field"] = "resources.ARN", ["Equals"] = otherTables }),
            Selector("Payments table (writes)", Field("eventCategory", "Data"), Field("resources.type", "AWS::DynamoDB::Table"), Field("readOnly", "false"),
                new Dictionary<string, object> { ["Field"] = "resources.ARN", ["Equals"] = new object[] { payments.TableArn } }),
        });
    }

    private static Dictionary<string, object> Field(string field, string value) =>
        new() { ["Field"] = field, ["Equals"] = new object[] { value } };

    private static Dictionary<string, object> Selector(string name, params Dictionary<string, object>[] fields) =>
        new() { ["Name"] = name, ["FieldSelectors"] = fields };
}
