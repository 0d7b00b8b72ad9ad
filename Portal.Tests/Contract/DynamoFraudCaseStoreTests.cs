using Amazon.DynamoDBv2.Model;
using Portal.Core.Adapters.Aws;
using Portal.Core.Fraud.Review;

namespace Portal.Tests.Contract;

public sealed class DynamoFraudCaseStoreTests(DynamoDbLocal dynamo) : FraudCaseStoreContract
{
    // A table per test: the store starts empty while other classes share the emulator.
    protected override async Task<IFraudCaseStore> CreateStoreAsync() => new DynamoFraudCaseStore(await dynamo.GetClientAsync(), await NewTableAsync());

    // A path the contract does not reach: a status listing longer than one Query page keeps reading until the limit.
    [Fact]
    public async Task Listing_by_status_follows_query_pages_up_to_the_limit()
    {
        var client = await dynamo.GetClientAsync();
        var table = await NewTableAsync();
        var store = new DynamoFraudCaseStore(client, table);
        var cases = Enumerable.Range(0, 12).Select(i => NewCase(T0.AddSeconds(i))).ToList();
        foreach (var c in cases)
        {
            await store.CreateAsync(c, Ct);
        }

        (await store.ListByStatusAsync(FraudCaseStatus.Open, 11, Ct)).Select(c => c.Id).ShouldBe(cases.AsEnumerable().Reverse().Take(11).Select(c => c.Id));

        // The guard item keeps the payment unique and is not a case: it carries no status, so the index never shows it.
        var guard = await client.GetItemAsync(new GetItemRequest
        {
            TableName = table,
            Key = new() { ["pk"] = new AttributeValue { S = $"PAYMENT#{cases[0].PaymentId:N}" }, ["sk"] = new AttributeValue { S = "FRAUDCASE" } },
        }, Ct);
        guard.Item["case_id"].S.ShouldBe(cases[0].Id.ToString("N"));
        guard.Item.ContainsKey("status").ShouldBeFalse();
    }

    private async Task<string> NewTableAsync()
    {
        var table = $"fraud-cases-{Guid.NewGuid():N}";
        await DynamoFraudCaseStore.CreateTableAsync(await dynamo.GetClientAsync(), table, Ct);
        return table;
    }
}
