using Portal.Core.Adapters.Aws;
using Portal.Core.Disputes;

namespace Portal.Tests.Contract;

public sealed class DynamoDisputeStoreTests(DynamoDbLocal dynamo) : DisputeStoreContract
{
    // A table per test: the store starts empty while other classes share the emulator.
    protected override async Task<IDisputeStore> CreateStoreAsync()
    {
        var client = await dynamo.GetClientAsync();
        var table = $"disputes-{Guid.NewGuid():N}";
        await DynamoDisputeStore.CreateTableAsync(client, table, Ct);
        return new DynamoDisputeStore(client, table);
    }
}
