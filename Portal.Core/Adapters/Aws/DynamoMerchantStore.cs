using System.Globalization;
using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Merchants;
using static Portal.Core.Adapters.Aws.DynamoItems;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Merchants in one DynamoDB table (pk/sk), never scanned. The merchant item is <c>MERCHANT#id / PROFILE</c>; its history
/// items share its partition (<c>HISTORY#ticks#uuid</c>), so a timeline is one Query. The CAC number's uniqueness is a guard
/// item <c>CAC#number / GUARD</c> written in the same transaction as the merchant, and per-status counters
/// (<c>COUNTER#STATUS / status</c>) are kept in those transactions so the dashboard counts need no scan. Listings read sparse
/// GSIs: only merchant items carry <c>entity_type</c>, <c>status</c>, <c>created_date</c> and <c>name_key</c>. The KYC review queue
/// is a sparse GSI of its own (<c>queue</c> / <c>queued_date</c>), present only while a case awaits a decision: the status
/// index is ordered by creation, not submission, and the queue spans three statuses, so one ordered Query serves it.
/// </summary>
internal sealed class DynamoMerchantStore : IMerchantStore
{
    private const string ProfileSk = "PROFILE";
    private const string GuardSk = "GUARD";
    private const string HistoryPrefix = "HISTORY#";
    private const string CounterPk = "COUNTER#STATUS";
    internal const string EntityTypeIndex = "entity-type-index";
    internal const string StatusIndex = "status-index";
    internal const string NameIndex = "name-index";
    internal const string QueueIndex = "queue-index";
    private const string QueuePartition = "KYC";

    // A transaction that collides with another on the same item (the guard or the shared status counter) is cancelled
    // with TransactionConflict rather than queued; the SDK does not retry it, so we do, briefly.
    private const int MaxTransactionAttempts = 10;

    internal const string StoreName = "merchants";

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;

    public DynamoMerchantStore(IAmazonDynamoDB client, string tableName)
    {
        _client = client;
        _table = tableName;
    }

    public async Task<MerchantWriteOutcome> CreateAsync(MerchantRecord merchant, MerchantHistoryEntry created, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(created);
        var items = new List<TransactWriteItem>
        {
            new() { Put = new Put { TableName = _table, Item = ToItem(merchant), ConditionExpression = "attribute_not_exists(pk)" } },
            new() { Put = PutGuard(merchant) },
            new() { Put = PutHistory(created) },
            new() { Update = AddToCounter(merchant.Status, +1) },
        };

        var reasons = await TransactAsync(items, cancellationToken);
        if (reasons is null)
        {
            return MerchantWriteOutcome.Done;
        }

        // The merchant item comes first: when both conditions fail it is the same create replayed, and the id says so.
        return Failed(reasons, 0) ? MerchantWriteOutcome.DuplicateId
            : Failed(reasons, 1) ? MerchantWriteOutcome.DuplicateCac
            : throw UnexpectedCancellation(reasons);
    }

    public async Task<MerchantWriteOutcome> UpdateAsync(MerchantRecord merchant, long expectedVersion, MerchantHistoryEntry change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(change);

        // The old CAC number and status decide which guard and counters move. They are read at the expected version, and the
        // transaction below only commits at that version, so what we read is still true when it commits.
        var current = await GetAsync(merchant.Id, cancellationToken);
        if (current is null)
        {
            return MerchantWriteOutcome.NotFound;
        }

        if (current.Version != expectedVersion)
        {
            return MerchantWriteOutcome.VersionConflict;
        }

        var items = new List<TransactWriteItem>
        {
            new()
            {
                Put = new Put
                {
                    TableName = _table,
                    Item = ToItem(merchant),
                    ConditionExpression = "#version = :expected",
                    ExpressionAttributeNames = new() { ["#version"] = "version" },
                    ExpressionAttributeValues = new() { [":expected"] = Number(expectedVersion) },
                },
            },
            new() { Put = PutHistory(change) },
        };
        var cacChanged = current.CacNumber != merchant.CacNumber;
        if (cacChanged)
        {
            items.Add(new()
            {
                Delete = new Delete
                {
                    TableName = _table,
                    Key = Key($"CAC#{current.CacNumber}", GuardSk),
                    ConditionExpression = "merchant_id = :id",
                    ExpressionAttributeValues = new() { [":id"] = Text(merchant.Id.ToString("N")) },
                },
            });
            items.Add(new() { Put = PutGuard(merchant) });
        }

        if (current.Status != merchant.Status)
        {
            items.Add(new() { Update = AddToCounter(current.Status, -1) });
            items.Add(new() { Update = AddToCounter(merchant.Status, +1) });
        }

        var reasons = await TransactAsync(items, cancellationToken);
        if (reasons is null)
        {
            return MerchantWriteOutcome.Done;
        }

        // A concurrent writer got in between our read and the transaction: report that first, since the guards we
        // computed came from the version it replaced.
        if (Failed(reasons, 0))
        {
            return await GetAsync(merchant.Id, cancellationToken) is null ? MerchantWriteOutcome.NotFound : MerchantWriteOutcome.VersionConflict;
        }

        return cacChanged && Failed(reasons, 3) ? MerchantWriteOutcome.DuplicateCac : throw UnexpectedCancellation(reasons);
    }

    public async Task<MerchantRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(_client.GetItemAsync(new GetItemRequest { TableName = _table, Key = MerchantKey(id), ConsistentRead = true }, cancellationToken), StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? ToRecord(item) : null;
    }

    public async Task<MerchantPage> ListAsync(MerchantListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        if (!string.IsNullOrEmpty(query.CacNumber))
        {
            return await ListByCacAsync(query, cancellationToken);
        }

        var byName = !string.IsNullOrWhiteSpace(query.NamePrefix);
        var request = new QueryRequest
        {
            TableName = _table,
            ExpressionAttributeNames = [],
            ExpressionAttributeValues = [],
        };
        if (byName)
        {
            request.IndexName = NameIndex;
            request.KeyConditionExpression = "entity_type = :type AND begins_with(name_key, :prefix)";
            request.ExpressionAttributeValues[":type"] = Text(Merchant.EntityType);
            request.ExpressionAttributeValues[":prefix"] = Text(MerchantSort.NormaliseName(query.NamePrefix!));
            request.ScanIndexForward = true;
            if (query.Status is { } status)
            {
                request.FilterExpression = "#status = :status";
                request.ExpressionAttributeNames["#status"] = "status";
                request.ExpressionAttributeValues[":status"] = Text(status.ToString());
            }
        }
        else if (query.Status is { } status)
        {
            request.IndexName = StatusIndex;
            request.KeyConditionExpression = "#status = :status";
            request.ExpressionAttributeNames["#status"] = "status";
            request.ExpressionAttributeValues[":status"] = Text(status.ToString());
            request.ScanIndexForward = false;
        }
        else
        {
            request.IndexName = EntityTypeIndex;
            request.KeyConditionExpression = "entity_type = :type";
            request.ExpressionAttributeValues[":type"] = Text(Merchant.EntityType);
            request.ScanIndexForward = false;
        }

        if (request.ExpressionAttributeNames.Count == 0)
        {
            request.ExpressionAttributeNames = null; // DynamoDB rejects an empty map
        }

        if (query.After is { } after)
        {
            request.ExclusiveStartKey = StartKey(request.IndexName, after, query.Status);
        }

        var rows = await QueryPageAsync(request, query.Limit, cancellationToken);

        MerchantKeyset? next = null;
        if (rows.Count > query.Limit)
        {
            rows.RemoveRange(query.Limit, rows.Count - query.Limit);
            var last = rows[^1];
            next = new MerchantKeyset(byName ? MerchantSort.NormaliseName(last["business_name"].S) : MerchantSort.CreatedKey(Time(last["created_at"])), Guid.Parse(last["id"].S));
        }

        return new MerchantPage(rows.Select(ToSummary).ToList(), next);
    }

    public async Task<MerchantPage> QueueAsync(MerchantQueueQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        var request = new QueryRequest
        {
            TableName = _table,
            IndexName = QueueIndex,
            KeyConditionExpression = "#queue = :queue",
            ExpressionAttributeNames = new() { ["#queue"] = "queue" },
            ExpressionAttributeValues = new() { [":queue"] = Text(QueuePartition) },
            ScanIndexForward = true,
        };
        if (query.SubmittedBefore is { } before)
        {
            // "ticks\u0001id" < "ticks": a case submitted exactly at the cut-off is not before it, as in SQLite.
            request.KeyConditionExpression += " AND queued_date < :before";
            request.ExpressionAttributeValues[":before"] = Text(MerchantSort.CreatedKey(before));
        }

        var filters = new List<string>();
        if (query.Status is { } status)
        {
            filters.Add("#status = :status");
            request.ExpressionAttributeNames["#status"] = "status";
            request.ExpressionAttributeValues[":status"] = Text(status.ToString());
        }

        switch (query.Assignee)
        {
            case QueueAssignee.Assigned:
                filters.Add("assigned_to = :assignee");
                request.ExpressionAttributeValues[":assignee"] = Text(query.AssignedTo ?? "");
                break;
            case QueueAssignee.Unassigned:
                filters.Add("attribute_not_exists(assigned_to)");
                break;
            case QueueAssignee.Anyone:
                break;
        }

        request.FilterExpression = filters.Count == 0 ? null : string.Join(" AND ", filters);
        if (query.After is { } after)
        {
            request.ExclusiveStartKey = MerchantKey(after.Id);
            request.ExclusiveStartKey["queue"] = Text(QueuePartition);
            request.ExclusiveStartKey["queued_date"] = Text(SortValue(after.SortKey, after.Id));
        }

        var rows = await QueryPageAsync(request, query.Limit, cancellationToken);

        MerchantKeyset? next = null;
        if (rows.Count > query.Limit)
        {
            rows.RemoveRange(query.Limit, rows.Count - query.Limit);
            next = new MerchantKeyset(MerchantSort.CreatedKey(Time(rows[^1]["submitted_at"])), Guid.Parse(rows[^1]["id"].S));
        }

        return new MerchantPage(rows.Select(ToSummary).ToList(), next);
    }

    public async Task<IReadOnlyDictionary<MerchantStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(_client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = Text(CounterPk) },
            ConsistentRead = true,
        }, cancellationToken), StoreName, cancellationToken);
        var counts = new Dictionary<MerchantStatus, long>();
        foreach (var item in response.Items ?? [])
        {
            if (Enum.TryParse<MerchantStatus>(item["sk"].S, out var status))
            {
                counts[status] = Long(item["count"]);
            }
        }

        return counts;
    }

    public async Task<IReadOnlyList<MerchantHistoryEntry>> HistoryAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :history)",
            ExpressionAttributeValues = new() { [":pk"] = Text(MerchantPk(id)), [":history"] = Text(HistoryPrefix) },
            ScanIndexForward = true,
            ConsistentRead = true,
        };
        var entries = new List<MerchantHistoryEntry>();
        do
        {
            var response = await DynamoErrors.Guard(_client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            entries.AddRange((response.Items ?? []).Select(item => new MerchantHistoryEntry(id, Time(item["at"]), item["actor"].S, OptionalText(item, "actor_role"),
                item["change"].S, Enum.Parse<MerchantStatus>(item["status"].S), OptionalText(item, "note"))));
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);

        return entries;
    }

    /// <summary>Creates the table and its GSIs (on-demand) and waits until it is ACTIVE. Tests use it; deployments use infrastructure as code.</summary>
    /// <summary>
    /// Up to <paramref name="limit"/> + 1 rows (one more than the page shows whether a next page exists). DynamoDB's Limit
    /// counts items read before the filter, so a filtered query reads in larger steps and loops until it has enough
    /// matches or the index ends.
    /// </summary>
    private async Task<List<Dictionary<string, AttributeValue>>> QueryPageAsync(QueryRequest request, int limit, CancellationToken cancellationToken)
    {
        var wanted = limit + 1;
        var rows = new List<Dictionary<string, AttributeValue>>();
        do
        {
            request.Limit = request.FilterExpression is null ? wanted - rows.Count : Math.Max(wanted, 100);
            var response = await DynamoErrors.Guard(_client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            rows.AddRange(response.Items ?? []);
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (rows.Count < wanted && request.ExclusiveStartKey is not null);
        return rows;
    }

    public static Task CreateTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        DynamoTables.CreateAsync(client, tableName, DynamoTableDefinitions.Merchants, cancellationToken);

    /// <summary>Runs the transaction; null when it committed, else the cancellation reasons (one per item, in order).</summary>
    private async Task<List<CancellationReason>?> TransactAsync(List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A token per attempt makes the SDK's own retries of this call (after a timeout, say) idempotent: a
                // transaction that did commit is not replayed into a spurious DuplicateId.
                await DynamoErrors.Guard(_client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = Guid.NewGuid().ToString() }, cancellationToken), StoreName, cancellationToken);
                return null;
            }
            catch (TransactionCanceledException ex) when (ex.CancellationReasons is { Count: > 0 } reasons)
            {
                if (reasons.Any(r => r.Code == "ConditionalCheckFailed") || attempt == MaxTransactionAttempts
                    || !reasons.Any(r => r.Code == "TransactionConflict"))
                {
                    return reasons;
                }
            }

            var backoff = Math.Min(10 << attempt, 500);
            await Task.Delay(TimeSpan.FromMilliseconds(backoff / 2 + RandomNumberGenerator.GetInt32(backoff / 2)), cancellationToken);
        }
    }

    private static bool Failed(List<CancellationReason> reasons, int index) => index < reasons.Count && reasons[index].Code == "ConditionalCheckFailed";

    private static InvalidOperationException UnexpectedCancellation(List<CancellationReason> reasons) =>
        new("DynamoDB cancelled the merchant transaction: " + string.Join(", ", reasons.Select(r => r.Code)));

    private async Task<MerchantPage> ListByCacAsync(MerchantListQuery query, CancellationToken cancellationToken)
    {
        var guard = await DynamoErrors.Guard(_client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key($"CAC#{query.CacNumber}", GuardSk), ConsistentRead = true }, cancellationToken), StoreName, cancellationToken);
        if (guard.Item is not { Count: > 0 })
        {
            return new MerchantPage([], null);
        }

        var merchant = await GetAsync(Guid.Parse(guard.Item["merchant_id"].S), cancellationToken);
        var matches = merchant is not null
            && (query.Status is null || merchant.Status == query.Status)
            && (string.IsNullOrWhiteSpace(query.NamePrefix) || MerchantSort.NormaliseName(merchant.BusinessName).StartsWith(MerchantSort.NormaliseName(query.NamePrefix), StringComparison.Ordinal));
        return new MerchantPage(matches ? [new MerchantSummary(merchant!.Id, merchant.BusinessName, merchant.CacNumber, merchant.Status, merchant.CreatedAt, merchant.UpdatedAt)] : [], null);
    }

    /// <summary>The full ExclusiveStartKey (index keys plus table keys) of the row a keyset points at, rebuilt from our own fields.</summary>
    private static Dictionary<string, AttributeValue> StartKey(string index, MerchantKeyset after, MerchantStatus? status)
    {
        var key = MerchantKey(after.Id);
        switch (index)
        {
            case NameIndex:
                key["entity_type"] = Text(Merchant.EntityType);
                key["name_key"] = Text(SortValue(after.SortKey, after.Id));
                break;
            case StatusIndex:
                key["status"] = Text(status!.Value.ToString());
                key["created_date"] = Text(SortValue(after.SortKey, after.Id));
                break;
            default:
                key["entity_type"] = Text(Merchant.EntityType);
                key["created_date"] = Text(SortValue(after.SortKey, after.Id));
                break;
        }

        return key;
    }

    // The id makes equal names or equal creation times distinct and gives them a stable order.
    // U+0001 sorts below every name character, so "ACME" comes before "ACME BAKERY" exactly as in SQLite (name, then id).
    private static string SortValue(string sortKey, Guid id) => sortKey + "\u0001" + id.ToString("N");

    private Put PutGuard(MerchantRecord merchant) => new()
    {
        TableName = _table,
        Item = new() { ["pk"] = Text($"CAC#{merchant.CacNumber}"), ["sk"] = Text(GuardSk), ["merchant_id"] = Text(merchant.Id.ToString("N")) },
        ConditionExpression = "attribute_not_exists(pk)",
    };

    private Put PutHistory(MerchantHistoryEntry entry)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = Text(MerchantPk(entry.MerchantId)),
            ["sk"] = Text($"{HistoryPrefix}{entry.At.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}#{Guid.CreateVersion7():N}"),
            ["at"] = Number(entry.At.UtcTicks),
            ["actor"] = Text(entry.Actor),
            ["change"] = Text(entry.Change),
            ["status"] = Text(entry.Status.ToString()),
        };
        SetOptional(item, "actor_role", entry.ActorRole);
        SetOptional(item, "note", entry.Note);
        return new Put { TableName = _table, Item = item };
    }

    private Update AddToCounter(MerchantStatus status, int delta) => new()
    {
        TableName = _table,
        Key = Key(CounterPk, status.ToString()),
        UpdateExpression = "ADD #count :delta",
        ExpressionAttributeNames = new() { ["#count"] = "count" },
        ExpressionAttributeValues = new() { [":delta"] = Number(delta) },
    };

    private static Dictionary<string, AttributeValue> ToItem(MerchantRecord m)
    {
        var item = MerchantKey(m.Id);
        item["id"] = Text(m.Id.ToString("N"));
        item["business_name"] = Text(m.BusinessName);
        item["cac_number"] = Text(m.CacNumber);
        item["sealed_pii"] = new AttributeValue { B = new MemoryStream(m.SealedPii) };
        item["email_hash"] = Text(m.ContactEmailHash);
        item["status"] = Text(m.Status.ToString());
        item["created_at"] = Number(m.CreatedAt.UtcTicks);
        item["updated_at"] = Number(m.UpdatedAt.UtcTicks);
        item["version"] = Number(m.Version);
        item["entity_type"] = Text(Merchant.EntityType);
        item["created_date"] = Text(SortValue(MerchantSort.CreatedKey(m.CreatedAt), m.Id));
        item["name_key"] = Text(SortValue(MerchantSort.NormaliseName(m.BusinessName), m.Id));
        SetOptional(item, "business_type", m.BusinessType?.ToString());
        SetOptional(item, "registered_address", m.RegisteredAddress);
        SetOptional(item, "website", m.Website);
        SetOptional(item, "industry", m.Industry);
        SetOptional(item, "status_note", m.StatusNote);
        SetOptional(item, "assigned_to", m.AssignedTo);
        SetOptional(item, "proposal", m.Proposal?.ToJson());
        if (m.SubmittedAt is { } submitted)
        {
            item["submitted_at"] = Number(submitted.UtcTicks);
        }

        if (m.InQueue)
        {
            item["queue"] = Text(QueuePartition);
            item["queued_date"] = Text(SortValue(MerchantSort.CreatedKey(m.SubmittedAt!.Value), m.Id));
        }

        return item;
    }

    private static MerchantRecord ToRecord(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["id"].S),
        item["business_name"].S,
        item["cac_number"].S,
        OptionalText(item, "business_type") is { } type ? Enum.Parse<BusinessType>(type) : null,
        OptionalText(item, "registered_address"),
        OptionalText(item, "website"),
        OptionalText(item, "industry"),
        item["sealed_pii"].B.ToArray(),
        item["email_hash"].S,
        Enum.Parse<MerchantStatus>(item["status"].S),
        OptionalText(item, "status_note"),
        Time(item["created_at"]),
        Time(item["updated_at"]),
        Long(item["version"]),
        item.TryGetValue("submitted_at", out var submitted) ? Time(submitted) : null,
        OptionalText(item, "assigned_to"),
        KybProposal.FromJson(OptionalText(item, "proposal")));

    private static MerchantSummary ToSummary(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["id"].S), item["business_name"].S, item["cac_number"].S, Enum.Parse<MerchantStatus>(item["status"].S), Time(item["created_at"]), Time(item["updated_at"]),
        item.TryGetValue("submitted_at", out var submitted) ? Time(submitted) : null, OptionalText(item, "assigned_to"), Long(item["version"]),
        KybProposal.FromJson(OptionalText(item, "proposal")));

    private static string MerchantPk(Guid id) => $"MERCHANT#{id:N}";

    private static Dictionary<string, AttributeValue> MerchantKey(Guid id) => Key(MerchantPk(id), ProfileSk);
}
