using System.Globalization;
using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Disputes;
using static Portal.Core.Adapters.Aws.DynamoItems;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Disputes in one DynamoDB table (pk/sk), never scanned. The dispute item is <c>DISPUTE#id / DISPUTE</c>; the processor's
/// dispute id is unique through a guard item <c>DISPUTE_REF#processor#id / GUARD</c> written in the same transaction under
/// <c>attribute_not_exists</c>. Listings query GSIs ordered by <c>created_key</c> (UTC ticks, then the id):
/// <c>entity-type-index</c> (all), <c>merchant-created-index</c> (one merchant), <c>status-index</c> (one status); the sweep
/// reads the sparse <c>due-index</c>, present only while a dispute needs a response, ordered by deadline, and the sparse
/// <c>pending-events-index</c>, present only while a dispute owes webhook events, ordered by the oldest owed event.
/// </summary>
internal sealed class DynamoDisputeStore(IAmazonDynamoDB client, string table) : IDisputeStore
{
    private const string ItemSk = "DISPUTE";
    private const string GuardSk = "GUARD";
    private const string EntityType = "DISPUTE";
    private const string OpenPartition = "OPEN";
    internal const string EntityTypeIndex = "entity-type-index";
    internal const string MerchantIndex = "merchant-created-index";
    internal const string StatusIndex = "status-index";
    internal const string DueIndex = "due-index";
    internal const string PendingIndex = "pending-events-index";
    private const string OwingPartition = "OWING";
    private const int MaxTransactionAttempts = 10;

    internal const string StoreName = "disputes";

    public static Task CreateTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        DynamoTables.CreateAsync(client, tableName, DynamoTableDefinitions.Disputes, cancellationToken);

    public async Task<DisputeWriteOutcome> CreateAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        var guard = new Dictionary<string, AttributeValue>(Key(GuardPk(dispute.Processor, dispute.ProcessorDisputeId), GuardSk))
        {
            ["dispute_id"] = Text(dispute.Id.ToString("N")),
        };
        List<TransactWriteItem> items =
        [
            new() { Put = new Put { TableName = table, Item = ToItem(dispute), ConditionExpression = "attribute_not_exists(pk)" } },
            new() { Put = new Put { TableName = table, Item = guard, ConditionExpression = "attribute_not_exists(pk)" } },
        ];
        var reasons = await TransactAsync(items, cancellationToken);
        return reasons is null ? DisputeWriteOutcome.Done
            : reasons.Any(r => r.Code == "ConditionalCheckFailed") ? DisputeWriteOutcome.Duplicate
            : throw new InvalidOperationException("DynamoDB cancelled the dispute transaction: " + string.Join(", ", reasons.Select(r => r.Code)));
    }

    public async Task<DisputeWriteOutcome> UpdateAsync(Dispute dispute, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        try
        {
            await DynamoErrors.Guard(client.PutItemAsync(new PutItemRequest
            {
                TableName = table,
                Item = ToItem(dispute),
                ConditionExpression = "#version = :expected",
                ExpressionAttributeNames = new() { ["#version"] = "version" },
                ExpressionAttributeValues = new() { [":expected"] = Number(expectedVersion) },
            }, cancellationToken), StoreName, cancellationToken);
            return DisputeWriteOutcome.Done;
        }
        catch (ConditionalCheckFailedException)
        {
            return await GetAsync(dispute.Id, cancellationToken) is null ? DisputeWriteOutcome.NotFound : DisputeWriteOutcome.VersionConflict;
        }
    }

    public async Task<Dispute?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest { TableName = table, Key = Key(ItemPk(id), ItemSk), ConsistentRead = true }, cancellationToken),
            StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    public async Task<Dispute?> GetByProcessorIdAsync(string processor, string processorDisputeId, CancellationToken cancellationToken)
    {
        var guard = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest
        {
            TableName = table, Key = Key(GuardPk(processor, processorDisputeId), GuardSk), ConsistentRead = true,
        }, cancellationToken), StoreName, cancellationToken);
        return guard.Item is { Count: > 0 } item ? await GetAsync(Guid.ParseExact(item["dispute_id"].S, "N"), cancellationToken) : null;
    }

    public async Task<DisputePage> ListAsync(DisputeListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        var (index, hashName, hashValue) = query.MerchantId is { } merchant ? (MerchantIndex, "merchant_id", merchant.ToString("N"))
            : query.Status is { } status ? (StatusIndex, "status", status.ToString())
            : (EntityTypeIndex, "entity_type", EntityType);
        var names = new Dictionary<string, string> { ["#h"] = hashName };
        var values = new Dictionary<string, AttributeValue> { [":h"] = Text(hashValue) };
        var condition = "#h = :h";
        if (query.After is { } after)
        {
            condition += " AND created_key < :after";
            values[":after"] = Text(CreatedKey(after.CreatedAt, after.Id));
        }

        string? filter = null;
        if (query.MerchantId is not null && query.Status is { } wanted)
        {
            filter = "#status = :status";
            names["#status"] = "status";
            values[":status"] = Text(wanted.ToString());
        }

        var items = new List<Dispute>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
            {
                TableName = table,
                IndexName = index,
                KeyConditionExpression = condition,
                FilterExpression = filter,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ScanIndexForward = false,
                Limit = query.Limit + 1 - items.Count,
                ExclusiveStartKey = start,
            }, cancellationToken), StoreName, cancellationToken);
            items.AddRange((response.Items ?? []).Select(FromItem));
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (items.Count <= query.Limit && start is not null);

        if (items.Count <= query.Limit)
        {
            return new DisputePage(items, null);
        }

        items.RemoveRange(query.Limit, items.Count - query.Limit);
        var last = items[^1];
        return new DisputePage(items, new DisputeKeyset(last.CreatedAt, last.Id));
    }

    public async Task<IReadOnlyList<Dispute>> AwaitingResponseDueBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
        {
            TableName = table,
            IndexName = DueIndex,
            KeyConditionExpression = "due_partition = :open AND due_key < :before",
            ExpressionAttributeValues = new() { [":open"] = Text(OpenPartition), [":before"] = Text(Ticks(before)) },
            Limit = Math.Clamp(limit, 1, 1000),
        }, cancellationToken), StoreName, cancellationToken);
        return (response.Items ?? []).Select(FromItem).ToList();
    }

    public async Task<IReadOnlyList<Dispute>> OwingEventsSinceBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
        {
            TableName = table,
            IndexName = PendingIndex,
            KeyConditionExpression = "pending_partition = :owing AND pending_key < :before",
            ExpressionAttributeValues = new() { [":owing"] = Text(OwingPartition), [":before"] = Text(Ticks(before)) },
            Limit = Math.Clamp(limit, 1, 1000),
        }, cancellationToken), StoreName, cancellationToken);
        return (response.Items ?? []).Select(FromItem).ToList();
    }

    public async Task<long> CountOpenedSinceAsync(Guid merchantId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        long count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
            {
                TableName = table,
                IndexName = MerchantIndex,
                KeyConditionExpression = "merchant_id = :m AND created_key >= :since",
                ExpressionAttributeValues = new() { [":m"] = Text(merchantId.ToString("N")), [":since"] = Text(Ticks(since)) },
                Select = Select.COUNT,
                ExclusiveStartKey = start,
            }, cancellationToken), StoreName, cancellationToken);
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        return count;
    }

    private static string ItemPk(Guid id) => "DISPUTE#" + id.ToString("N");

    private static string GuardPk(string processor, string processorDisputeId) => $"DISPUTE_REF#{processor}#{processorDisputeId}";

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    // The same order as SQLite's (created_at, id): ticks fixed-width, then the id's text form.
    private static string CreatedKey(DateTimeOffset at, Guid id) => Ticks(at) + "#" + id.ToString();

    private static Dictionary<string, AttributeValue> ToItem(Dispute d)
    {
        var item = new Dictionary<string, AttributeValue>(Key(ItemPk(d.Id), ItemSk))
        {
            ["entity_type"] = Text(EntityType),
            ["created_key"] = Text(CreatedKey(d.CreatedAt, d.Id)),
            ["id"] = Text(d.Id.ToString()),
            ["processor"] = Text(d.Processor),
            ["processor_dispute_id"] = Text(d.ProcessorDisputeId),
            ["payment_id"] = Text(d.PaymentId.ToString()),
            ["merchant_id"] = Text(d.MerchantId.ToString("N")),
            ["reason"] = Text(d.Reason),
            ["amount"] = Number(d.Amount.Minor),
            ["currency"] = Text(d.Amount.Currency),
            ["due_by"] = Number(d.EvidenceDueBy.UtcTicks),
            ["status"] = Text(d.Status.ToString()),
            ["evidence_state"] = Text(d.EvidenceState.ToString()),
            ["evidence"] = Text(DisputeJson.Evidence(d.Evidence)),
            ["files"] = Text(DisputeJson.Files(d.Files)),
            ["created_at"] = Number(d.CreatedAt.UtcTicks),
            ["updated_at"] = Number(d.UpdatedAt.UtcTicks),
            ["last_event_at"] = Number(d.LastEventAt.UtcTicks),
            ["updated_by"] = Text(d.UpdatedBy),
            ["version"] = Number(d.Version),
        };
        if (d.Status == DisputeStatus.NeedsResponse)
        {
            // Sparse: only disputes awaiting a response are in the sweep's index.
            item["due_partition"] = Text(OpenPartition);
            item["due_key"] = Text(Ticks(d.EvidenceDueBy) + "#" + d.Id.ToString());
        }

        if (DisputeJson.PendingEvents(d.PendingEvents) is { } pending)
        {
            item["pending_events"] = Text(pending);
            item["pending_partition"] = Text(OwingPartition);
            item["pending_key"] = Text(Ticks(d.PendingEvents.Min(e => e.At)) + "#" + d.Id.ToString());
        }

        if (d.SubmittedAt is { } submitted)
        {
            item["submitted_at"] = Number(submitted.UtcTicks);
        }

        if (d.ReminderSentAt is { } reminder)
        {
            item["reminder_sent_at"] = Number(reminder.UtcTicks);
        }

        return item;
    }

    private static Dispute FromItem(Dictionary<string, AttributeValue> i) => new(
        Guid.Parse(i["id"].S),
        i["processor"].S,
        i["processor_dispute_id"].S,
        Guid.Parse(i["payment_id"].S),
        Guid.ParseExact(i["merchant_id"].S, "N"),
        i["reason"].S,
        new Money(Long(i["amount"]), i["currency"].S),
        Time(i["due_by"]),
        Enum.Parse<DisputeStatus>(i["status"].S),
        Enum.Parse<EvidenceState>(i["evidence_state"].S),
        DisputeJson.Evidence(i["evidence"].S),
        DisputeJson.Files(i["files"].S),
        Time(i["created_at"]),
        Time(i["updated_at"]),
        Time(i["last_event_at"]),
        i["updated_by"].S,
        i.TryGetValue("submitted_at", out var submitted) ? Time(submitted) : null,
        i.TryGetValue("reminder_sent_at", out var reminder) ? Time(reminder) : null,
        Long(i["version"])) { PendingEvents = DisputeJson.PendingEvents(i.TryGetValue("pending_events", out var pending) ? pending.S : null) };

    /// <summary>Runs the transaction; null when it committed, else the cancellation reasons (one per item, in order).</summary>
    private async Task<List<CancellationReason>?> TransactAsync(List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DynamoErrors.Guard(client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = Guid.NewGuid().ToString() },
                    cancellationToken), StoreName, cancellationToken);
                return null;
            }
            catch (TransactionCanceledException ex) when (ex.CancellationReasons is { Count: > 0 } reasons)
            {
                if (reasons.Any(r => r.Code == "ConditionalCheckFailed") || attempt == MaxTransactionAttempts || !reasons.Any(r => r.Code == "TransactionConflict"))
                {
                    return reasons;
                }
            }

            var backoff = Math.Min(10 << attempt, 500);
            await Task.Delay(TimeSpan.FromMilliseconds(backoff / 2 + RandomNumberGenerator.GetInt32(backoff / 2)), cancellationToken);
        }
    }
}
