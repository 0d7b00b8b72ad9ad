using System.Reflection;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Adapters.Aws;
using Portal.Core.Merchants;

namespace Portal.Tests.Contract;

public sealed class DynamoMerchantStoreTests(DynamoDbLocal dynamo) : MerchantStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    // A table per test: the store starts empty and counters start at zero, while other classes share the emulator.
    protected override async Task<IMerchantStore> CreateStoreAsync() => new DynamoMerchantStore(await dynamo.GetClientAsync(), await NewTableAsync());

    // The next three cover paths the contract does not reach: ExclusiveStartKey on the status index, a FilterExpression
    // that must keep reading until a page is full, and the retry of transactions DynamoDB cancels for a conflict.
    [Fact]
    public async Task Listing_by_status_pages_newest_first()
    {
        var store = await CreateStoreAsync();
        var records = Enumerable.Range(0, 7).Select(i => NewRecord(createdAt: T0.AddMinutes(i), status: i % 3 == 0 ? MerchantStatus.Draft : MerchantStatus.Approved)).ToList();
        foreach (var r in records)
        {
            await store.CreateAsync(r, new MerchantHistoryEntry(r.Id, r.CreatedAt, "test", null, "created", r.Status, null), Ct);
        }

        var seen = await ReadAllAsync(store, new MerchantListQuery(2, Status: MerchantStatus.Approved));

        seen.ShouldBe(records.Where(r => r.Status == MerchantStatus.Approved).OrderByDescending(r => r.CreatedAt).Select(r => r.Id).ToList());
    }

    [Fact]
    public async Task Listing_by_name_prefix_and_status_pages_through_the_filter()
    {
        var store = await CreateStoreAsync();
        var records = Enumerable.Range(0, 9).Select(i => NewRecord(name: $"Acme {i}", status: i % 4 == 0 ? MerchantStatus.Approved : MerchantStatus.Draft)).ToList();
        foreach (var r in records)
        {
            await store.CreateAsync(r, new MerchantHistoryEntry(r.Id, r.CreatedAt, "test", null, "created", r.Status, null), Ct);
        }

        var seen = await ReadAllAsync(store, new MerchantListQuery(2, Status: MerchantStatus.Approved, NamePrefix: "acme"));

        seen.ShouldBe([records[0].Id, records[4].Id, records[8].Id]);
    }

    [Fact]
    public async Task A_transaction_cancelled_for_a_conflict_is_retried()
    {
        var client = ConflictingClient.Wrap(await dynamo.GetClientAsync(), conflicts: 2);
        var store = new DynamoMerchantStore(client, await NewTableAsync());
        var record = NewRecord();

        (await store.CreateAsync(record, new MerchantHistoryEntry(record.Id, record.CreatedAt, "test", null, "created", record.Status, null), Ct)).ShouldBe(MerchantWriteOutcome.Done);

        (await store.GetAsync(record.Id, Ct)).ShouldNotBeNull();
    }

    private async Task<string> NewTableAsync()
    {
        var table = $"merchants-{Guid.NewGuid():N}";
        await DynamoMerchantStore.CreateTableAsync(await dynamo.GetClientAsync(), table, Ct);
        return table;
    }

    private static async Task<List<Guid>> ReadAllAsync(IMerchantStore store, MerchantListQuery query)
    {
        var seen = new List<Guid>();
        for (var (after, pages) = (default(MerchantKeyset), 0); pages == 0 || (after is not null && pages < 20); pages++)
        {
            var page = await store.ListAsync(query with { After = after }, Ct);
            page.Items.Count.ShouldBeLessThanOrEqualTo(query.Limit);
            seen.AddRange(page.Items.Select(i => i.Id));
            after = page.Next;
        }

        return seen;
    }

    /// <summary>Passes every call to the real client, but cancels the first transactions the way DynamoDB does on a conflict (DynamoDB Local never does).</summary>
    public class ConflictingClient : DispatchProxy
    {
        private IAmazonDynamoDB _inner = default!;
        private int _conflicts;

        public static IAmazonDynamoDB Wrap(IAmazonDynamoDB inner, int conflicts)
        {
            var proxy = Create<IAmazonDynamoDB, ConflictingClient>();
            var self = (ConflictingClient)(object)proxy;
            (self._inner, self._conflicts) = (inner, conflicts);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IAmazonDynamoDB.TransactWriteItemsAsync) && Interlocked.Decrement(ref _conflicts) >= 0)
            {
                var items = ((TransactWriteItemsRequest)args![0]!).TransactItems;
                throw new TransactionCanceledException("Transaction cancelled")
                {
                    CancellationReasons = items.Select((_, i) => new CancellationReason { Code = i == 0 ? "TransactionConflict" : "None" }).ToList(),
                };
            }

            return targetMethod.Invoke(_inner, args);
        }
    }
}
