using Microsoft.Extensions.Time.Testing;
using Portal.Core.Adapters.Aws;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

public sealed class DynamoFraudStoreTests(DynamoDbLocal dynamo) : FraudStoreContract
{
    // A table per test: the stores start empty while other classes share the emulator.
    protected override async Task<(IFraudListStore Lists, IFraudRuleStore Rules)> CreateStoresAsync()
    {
        var client = await dynamo.GetClientAsync();
        var table = $"fraud-{Guid.NewGuid():N}";
        await DynamoFraudStore.CreateTableAsync(client, table, Ct);
        var store = new DynamoFraudStore(client, table);
        return (store, store);
    }

    protected override async Task<(IPaymentStore Payments, IPaymentHistory History)> CreatePaymentsAsync()
    {
        var client = await dynamo.GetClientAsync();
        var table = $"payments-{Guid.NewGuid():N}";
        await DynamoPaymentStore.CreateTableAsync(client, table, Ct);
        return (new DynamoPaymentStore(client, table, new FakeTimeProvider(T0)), new DynamoPaymentHistory(client, table));
    }
}
