using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Adapters.Aws;
using Portal.Core.Audit;

namespace Portal.Tests.Contract;

/// <summary>The contract against DynamoDB Local (a table per test), and what only this adapter has: several writers on one table.</summary>
public sealed class DynamoAuditLogTests(DynamoDbLocal dynamo) : AuditLogContract
{
    private string? _table;

    private async Task<(IAmazonDynamoDB Client, string Table)> TableAsync()
    {
        var client = await dynamo.GetClientAsync();
        if (_table is null)
        {
            _table = $"audit-{Guid.NewGuid():N}";
            await DynamoAuditLog.CreateTableAsync(client, _table, Ct);
        }

        return (client, _table);
    }

    protected override async Task<IAuditLog> OpenLogAsync(byte[] key)
    {
        var (client, table) = await TableAsync();
        return new DynamoAuditLog(client, table, new AuditChain(key), Clock);
    }

    private static Dictionary<string, AttributeValue> EventKey(long sequence) => new()
    {
        ["pk"] = new AttributeValue { S = "AUDIT#EVENTS" },
        ["sk"] = new AttributeValue { S = DynamoAuditLog.SequenceKey(sequence) },
    };

    protected override async Task ChangeOutcomeAsync(long sequence)
    {
        var (client, table) = await TableAsync();
        await client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = EventKey(sequence),
            UpdateExpression = "SET outcome = :o",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = nameof(AuditOutcome.Failure) } },
        }, Ct);
    }

    protected override async Task DeleteEventAsync(long sequence)
    {
        var (client, table) = await TableAsync();
        await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = EventKey(sequence), ConditionExpression = "attribute_exists(pk)" }, Ct);
    }

    [Fact]
    public async Task Two_writers_on_one_table_keep_one_unbroken_chain()
    {
        // Two portal instances: each has its own gate, so only the conditional head write orders them.
        var first = await OpenAsync();
        var second = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            (i % 2 == 0 ? first : second).AppendAsync(Alice with { UserId = $"u-{i}" }, new AuditEntry(AuditActions.SignIn, AuditOutcome.Success))));

        var result = await first.VerifyAsync(Ct);
        result.IsIntact.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(60);
        (await second.QueryAsync(new AuditQuery(Limit: 100, CountTotal: false), Ct)).Events.Select(e => e.ActorId).Distinct().Count().ShouldBe(60);
    }

    [Fact]
    public async Task An_event_put_beyond_the_signed_head_is_reported()
    {
        var log = await LogAsync();
        await AppendManyAsync(2);
        var (client, table) = await TableAsync();
        var copy = (await client.GetItemAsync(new GetItemRequest { TableName = table, Key = EventKey(2), ConsistentRead = true }, Ct)).Item;
        copy["sk"] = new AttributeValue { S = DynamoAuditLog.SequenceKey(3) };
        copy["seq"] = copy["sk"];
        await client.PutItemAsync(new PutItemRequest { TableName = table, Item = copy }, Ct);

        var result = await log.VerifyAsync(Ct);

        result.IsIntact.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(3);
        result.Problem!.ShouldContain("beyond the signed head");
    }
}
