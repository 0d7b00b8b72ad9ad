using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.KMS;
using Constructs;
using Portal.Core.Adapters.Aws;
using DynamoAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace PortalInfra;

/// <summary>
/// Every DynamoDB table the AWS adapters use, built from the adapters' own <see cref="DynamoTableDefinitions"/> (the same
/// definition their table creation uses, so keys and GSIs cannot drift): on-demand, customer-managed KMS encryption,
/// point-in-time recovery, deletion protection, TTL where the adapter names a TTL attribute (idempotency records), and a
/// stream of new and old images (what global tables and the cross-instance event feed need).
/// </summary>
public sealed class DataConstruct : Construct
{
    /// <summary>Tables by store name (<c>merchants</c>, <c>payments</c>, ...).</summary>
    public IReadOnlyDictionary<string, Table> Tables { get; }

    public DataConstruct(Construct scope, string id, PortalSettings settings, IKey key) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var tables = new Dictionary<string, Table>(StringComparer.Ordinal);
        foreach (var definition in DynamoTableDefinitions.All)
        {
            var table = new Table(this, ConstructId(definition.Store), new TableProps
            {
                TableName = TableName(settings, definition),
                PartitionKey = new DynamoAttribute { Name = DynamoTableDefinition.PartitionKey, Type = AttributeType.STRING },
                SortKey = new DynamoAttribute { Name = DynamoTableDefinition.SortKey, Type = AttributeType.STRING },
                BillingMode = BillingMode.PAY_PER_REQUEST,
                Encryption = TableEncryption.CUSTOMER_MANAGED,
                EncryptionKey = key,
                PointInTimeRecovery = true,
                DeletionProtection = true,
                TimeToLiveAttribute = definition.TtlAttribute,
                Stream = StreamViewType.NEW_AND_OLD_IMAGES,
                RemovalPolicy = RemovalPolicy.RETAIN,
            });
            foreach (var index in definition.Indexes)
            {
                table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
                {
                    IndexName = index.Name,
                    PartitionKey = new DynamoAttribute { Name = index.HashKey, Type = AttributeType.STRING },
                    SortKey = new DynamoAttribute { Name = index.RangeKey, Type = AttributeType.STRING },
                    ProjectionType = ProjectionType.ALL,
                });
            }

            tables[definition.Store] = table;
        }

        Tables = tables;
    }

    public static string TableName(PortalSettings settings, DynamoTableDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(definition);
        return $"{settings.Prefix}-{definition.Store}";
    }

    private static string ConstructId(string store) =>
        string.Concat(store.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..])) + "Table";
}
