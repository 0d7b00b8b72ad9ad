using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Creating the single tables of the DynamoDB adapters (tests and first deployments; infra/ owns production tables):
/// <c>pk</c>/<c>sk</c> string keys, on-demand billing, GSIs projecting everything, and a wait until table and indexes are active.
/// </summary>
internal static class DynamoTables
{
    private static readonly string[] KeyAttributes = ["pk", "sk"];

    public static async Task CreateAsync(IAmazonDynamoDB client, string tableName, IEnumerable<string> indexedAttributes, IEnumerable<(string Name, string Hash, string Range)> indexes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [.. KeyAttributes.Concat(indexedAttributes).Select(a => new AttributeDefinition(a, ScalarAttributeType.S))],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            GlobalSecondaryIndexes = [.. indexes.Select(i => new GlobalSecondaryIndex
            {
                IndexName = i.Name,
                KeySchema = [new KeySchemaElement(i.Hash, KeyType.HASH), new KeySchemaElement(i.Range, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            })],
        }, cancellationToken);

        while (true)
        {
            var table = (await client.DescribeTableAsync(tableName, cancellationToken)).Table;
            if (table.TableStatus == TableStatus.ACTIVE && (table.GlobalSecondaryIndexes ?? []).All(i => i.IndexStatus == IndexStatus.ACTIVE))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
