using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Adapters.Aws;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

public sealed class DynamoPaymentStoreTests(DynamoDbLocal dynamo) : PaymentStoreContract
{
    private string? _table;

    // A table per test: the store starts empty and counters start at zero, while other classes share the emulator.
    protected override async Task<IPaymentStore> CreateStoreAsync(TimeProvider time) => await CreateStoreAsync(await dynamo.GetClientAsync(), time);

    private async Task<DynamoPaymentStore> CreateStoreAsync(IAmazonDynamoDB client, TimeProvider time)
    {
        _table = $"payments-{Guid.NewGuid():N}";
        await DynamoPaymentStore.CreateTableAsync(await dynamo.GetClientAsync(), _table, Ct);
        return new DynamoPaymentStore(client, _table, time);
    }

    [Fact]
    public async Task Idempotency_items_carry_their_expiry_as_the_ttl_attribute_and_ttl_is_enabled()
    {
        var client = await dynamo.GetClientAsync();
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        await WriteOkAsync(store, Initiate(payment));

        var ttl = await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = _table }, Ct);
        ttl.TimeToLiveDescription.AttributeName.ShouldBe(DynamoPaymentStore.TtlAttribute);
        ttl.TimeToLiveDescription.TimeToLiveStatus.ShouldBeOneOf(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);

        var response = await client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = $"IDEM#{payment.MerchantId:N}#{PaymentsScope}#{payment.IdempotencyKey}" } },
        }, Ct);
        var item = response.Items.ShouldHaveSingleItem();
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(item[DynamoPaymentStore.TtlAttribute].N, CultureInfo.InvariantCulture));
        expiresAt.ShouldBe(payment.CreatedAt.AddHours(24));

        // Only idempotency records expire.
        var paymentItem = await client.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = new() { ["pk"] = new AttributeValue { S = $"PAYMENT#{payment.Id:N}" }, ["sk"] = new AttributeValue { S = "PAYMENT" } },
        }, Ct);
        paymentItem.Item.ShouldContainKey("amount");
        paymentItem.Item.ShouldNotContainKey(DynamoPaymentStore.TtlAttribute);
    }

    [Fact]
    public async Task A_dispatched_event_leaves_the_sparse_pending_index()
    {
        var client = await dynamo.GetClientAsync();
        var store = await NewStoreAsync();
        var write = Initiate(NewPayment(Guid.CreateVersion7(), T0));
        await WriteOkAsync(store, write);

        await Outbox(store).MarkDispatchedAsync([write.Events[0].Id], Ct);

        var item = (await client.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = new() { ["pk"] = new AttributeValue { S = $"EVENT#{write.Events[0].Id:N}" }, ["sk"] = new AttributeValue { S = "EVENT" } },
            ConsistentRead = true,
        }, Ct)).Item;
        item.ShouldNotContainKey("outbox_shard");
        item.ShouldContainKey("dispatched_at");
    }

    [Fact]
    public async Task A_transaction_cancelled_for_a_conflict_is_retried()
    {
        var client = DynamoMerchantStoreTests.ConflictingClient.Wrap(await dynamo.GetClientAsync(), conflicts: 3);
        var store = await CreateStoreAsync(client, Clock);
        var payment = NewPayment(Guid.CreateVersion7(), T0);

        (await store.WriteAsync(Initiate(payment), Ct)).Status.ShouldBe(PaymentWriteStatus.Ok);

        (await store.GetAsync(payment.Id, Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_write_beyond_the_transaction_item_limit_is_refused_whole()
    {
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        var write = Initiate(payment) with { Events = [.. Enumerable.Range(0, 100).Select(i => Event(payment, PaymentEventTypes.Initiated, T0.AddSeconds(i)))] };

        await Should.ThrowAsync<ArgumentException>(() => store.WriteAsync(write, Ct));

        (await store.GetAsync(payment.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_new_record_completed_in_the_same_write_is_stored_completed()
    {
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        var completed = Pending(payment) with { Outcome = IdempotentOutcome.PaymentCreated, Snapshot = "{}" };

        await WriteOkAsync(store, Initiate(payment) with { CompletedIdempotency = completed });

        (await store.GetIdempotencyAsync(payment.MerchantId, PaymentsScope, payment.IdempotencyKey, Ct)).ShouldBe(completed);
    }
}
