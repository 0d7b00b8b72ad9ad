using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Creating the single tables of the DynamoDB adapters (tests and first deployments; infra/ owns production tables) from
/// their <see cref="DynamoTableDefinition"/>: <c>pk</c>/<c>sk</c> string keys, on-demand billing, GSIs projecting
/// everything, TTL where the definition names an attribute, and a wait until table and indexes are active.
/// </summary>
internal static class DynamoTables
{
    public static async Task CreateAsync(IAmazonDynamoDB client, string tableName, DynamoTableDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.CreateTableAsync(ToCreateTableRequest(tableName, definition), cancellationToken);

        while (true)
        {
            var table = (await client.DescribeTableAsync(tableName, cancellationToken)).Table;
            if (table.TableStatus == TableStatus.ACTIVE && (table.GlobalSecondaryIndexes ?? []).All(i => i.IndexStatus == IndexStatus.ACTIVE))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        if (definition.TtlAttribute is { } ttl)
        {
            await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = tableName,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ttl, Enabled = true },
            }, cancellationToken);
        }
    }

    public static CreateTableRequest ToCreateTableRequest(string tableName, DynamoTableDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [.. definition.KeyAttributes.Select(a => new AttributeDefinition(a, ScalarAttributeType.S))],
            KeySchema = [new KeySchemaElement(DynamoTableDefinition.PartitionKey, KeyType.HASH), new KeySchemaElement(DynamoTableDefinition.SortKey, KeyType.RANGE)],
            // DynamoDB refuses an empty index list: none at all when the table has no GSI.
            GlobalSecondaryIndexes = definition.Indexes.Count == 0 ? null : [.. definition.Indexes.Select(i => new GlobalSecondaryIndex
            {
                IndexName = i.Name,
                KeySchema = [new KeySchemaElement(i.HashKey, KeyType.HASH), new KeySchemaElement(i.RangeKey, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            })],
        };
    }
}
