using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using static Portal.Core.Adapters.Aws.DynamoItems;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Allow/block lists and fraud rule versions in one DynamoDB table (pk/sk), never scanned:
/// <list type="bullet">
/// <item><c>FRAUDLIST / ENTRY#id</c>: an entry (version 7 ids, so the sort key is creation order). The lists are admin-sized
/// (thousands of entries at most), so the whole partition is one paged Query; filters and paging of the screen apply to it.</item>
/// <item><c>FRAUDRULES / VERSION#0000000001</c>: a published version, put under <c>attribute_not_exists</c> and never written again.</item>
/// <item><c>FRAUDRULES / DRAFT</c>: the one draft, written under a condition on its <c>revision</c>; publishing deletes it and puts the
/// version in one transaction.</item>
/// </list>
/// Records are JSON documents (<c>doc</c>) beside the attributes that conditions and filters read.
/// </summary>
internal sealed class DynamoFraudStore(IAmazonDynamoDB client, string tableName) : IFraudListStore, IFraudRuleStore
{
    internal const string StoreName = "fraud";
    private const string ListPk = "FRAUDLIST";
    private const string RulesPk = "FRAUDRULES";
    private const string DraftSk = "DRAFT";
    private const string VersionPrefix = "VERSION#";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task CreateTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        DynamoTables.CreateAsync(client, tableName, DynamoTableDefinitions.Fraud, cancellationToken);

    public async Task AddAsync(IReadOnlyList<FraudListEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        if (entries.Count > FraudListService.MaxImportRows)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), $"At most {FraudListService.MaxImportRows} entries in one write (one transaction).");
        }

        var items = entries.Select(e => new TransactWriteItem { Put = new Put { TableName = tableName, Item = ToItem(e), ConditionExpression = "attribute_not_exists(pk)" } }).ToList();
        await DynamoErrors.Guard(client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = Guid.NewGuid().ToString() }, cancellationToken),
            StoreName, cancellationToken);
    }

    public async Task<FraudListEntry?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(ListPk, EntrySk(id)), ConsistentRead = true }, cancellationToken),
            StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? Read<FraudListEntry>(item) : null;
    }

    public async Task<bool> UpdateAsync(FraudListEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await DynamoErrors.Guard(client.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = ToItem(entry),
                ConditionExpression = "version = :expected",
                ExpressionAttributeValues = new() { [":expected"] = Number(expectedVersion) },
            }, cancellationToken), StoreName, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<FraudListEntry>> ActiveAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var items = await QueryAllAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "pk = :pk",
            FilterExpression = "attribute_not_exists(expires_ticks) OR expires_ticks > :now",
            ExpressionAttributeValues = new() { [":pk"] = Text(ListPk), [":now"] = Number(at.UtcTicks) },
            ConsistentRead = true,
        }, cancellationToken);
        return items.Select(Read<FraudListEntry>).ToList();
    }

    public async Task<FraudListPage> ListAsync(FraudListQuery query, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var items = await QueryAllAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = Text(ListPk) },
            ScanIndexForward = false,
        }, cancellationToken);
        var matching = items.Select(Read<FraudListEntry>)
            .Where(e => (query.List is null || e.List == query.List) && (query.Subject is null || e.Subject == query.Subject) && (query.IncludeExpired || e.IsActive(at))
                && (string.IsNullOrWhiteSpace(query.Search) || e.Value.Contains(query.Search.Trim(), StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id)
            .ToList();
        return new FraudListPage(matching.Skip(query.Skip).Take(query.Take).ToList(), matching.Count);
    }

    public async Task<IReadOnlyList<FraudRuleVersion>> VersionsAsync(CancellationToken cancellationToken)
    {
        var items = await QueryAllAsync(VersionQuery(), cancellationToken);
        return items.Select(Read<FraudRuleVersion>).ToList();
    }

    public async Task<FraudRuleVersion?> LatestAsync(CancellationToken cancellationToken)
    {
        var request = VersionQuery();
        request.Limit = 1;
        var response = await DynamoErrors.Guard(client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
        return response.Items is { Count: > 0 } items ? Read<FraudRuleVersion>(items[0]) : null;
    }

    public async Task<bool> SeedAsync(FraudRuleVersion first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(first);
        try
        {
            await DynamoErrors.Guard(client.PutItemAsync(new PutItemRequest { TableName = tableName, Item = ToItem(first), ConditionExpression = "attribute_not_exists(pk)" },
                cancellationToken), StoreName, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<FraudRuleDraft?> GetDraftAsync(CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(RulesPk, DraftSk), ConsistentRead = true }, cancellationToken),
            StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? Read<FraudRuleDraft>(item) : null;
    }

    public async Task<bool> SaveDraftAsync(FraudRuleDraft draft, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var request = new PutItemRequest { TableName = tableName, Item = ToItem(draft) };
        if (expectedRevision == 0)
        {
            request.ConditionExpression = "attribute_not_exists(pk)";
        }
        else
        {
            request.ConditionExpression = "revision = :expected";
            request.ExpressionAttributeValues = new() { [":expected"] = Number(expectedRevision) };
        }

        try
        {
            await DynamoErrors.Guard(client.PutItemAsync(request, cancellationToken), StoreName, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<bool> PublishAsync(FraudRuleVersion version, long expectedDraftRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        try
        {
            await DynamoErrors.Guard(client.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                ClientRequestToken = Guid.NewGuid().ToString(),
                TransactItems =
                [
                    new TransactWriteItem
                    {
                        Delete = new Delete
                        {
                            TableName = tableName,
                            Key = Key(RulesPk, DraftSk),
                            ConditionExpression = "revision = :expected",
                            ExpressionAttributeValues = new() { [":expected"] = Number(expectedDraftRevision) },
                        },
                    },
                    new TransactWriteItem { Put = new Put { TableName = tableName, Item = ToItem(version), ConditionExpression = "attribute_not_exists(pk)" } },
                ],
            }, cancellationToken), StoreName, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException)
        {
            return false;
        }
    }

    public async Task<bool> DiscardDraftAsync(long expectedRevision, CancellationToken cancellationToken)
    {
        try
        {
            await DynamoErrors.Guard(client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tableName,
                Key = Key(RulesPk, DraftSk),
                ConditionExpression = "revision = :expected",
                ExpressionAttributeValues = new() { [":expected"] = Number(expectedRevision) },
            }, cancellationToken), StoreName, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private QueryRequest VersionQuery() => new()
    {
        TableName = tableName,
        KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues = new() { [":pk"] = Text(RulesPk), [":prefix"] = Text(VersionPrefix) },
        ScanIndexForward = false,
        ConsistentRead = true,
    };

    private async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var response = await DynamoErrors.Guard(client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            items.AddRange(response.Items ?? []);
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);

        return items;
    }

    private static string EntrySk(Guid id) => "ENTRY#" + id.ToString("N");

    private static Dictionary<string, AttributeValue> ToItem(FraudListEntry e)
    {
        var item = Key(ListPk, EntrySk(e.Id));
        item["version"] = Number(e.Version);
        item["doc"] = Text(JsonSerializer.Serialize(e, Json));
        if (e.ExpiresAt is { } expires)
        {
            item["expires_ticks"] = Number(expires.UtcTicks);
        }

        return item;
    }

    private static Dictionary<string, AttributeValue> ToItem(FraudRuleVersion v)
    {
        var item = Key(RulesPk, VersionPrefix + v.Version.ToString("D10", CultureInfo.InvariantCulture));
        item["doc"] = Text(JsonSerializer.Serialize(v, Json));
        return item;
    }

    private static Dictionary<string, AttributeValue> ToItem(FraudRuleDraft d)
    {
        var item = Key(RulesPk, DraftSk);
        item["revision"] = Number(d.Revision);
        item["doc"] = Text(JsonSerializer.Serialize(d, Json));
        return item;
    }

    private static T Read<T>(Dictionary<string, AttributeValue> item) => JsonSerializer.Deserialize<T>(item["doc"].S, Json)!;
}

/// <summary>
/// Payments in time order for backtests from the payment table's sharded <c>all-created-index</c>: each shard is queried
/// forward from the page's keyset and the shards are merged, so a page costs a few Query calls and never a Scan. Only the
/// attributes a replay needs are projected.
/// </summary>
internal sealed class DynamoPaymentHistory(IAmazonDynamoDB client, string paymentTable) : IPaymentHistory
{
    private const int Shards = 4;

    public async Task<IReadOnlyList<ReplayPayment>> ReadAsync(DateTimeOffset from, DateTimeOffset to, Payments.PaymentKeyset? after, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, 10_000);
        var lower = after is { } a ? Created(a.CreatedAt.UtcTicks) + "#" + a.Id.ToString("N") : Created(from.UtcTicks);
        var upper = Created(to.UtcTicks);
        var parts = await Task.WhenAll(Enumerable.Range(0, Shards).Select(shard => ShardAsync(shard, lower, after is null, upper, limit, cancellationToken)));
        return parts.SelectMany(p => p).OrderBy(p => p.Key, StringComparer.Ordinal).Take(limit).Select(p => p.Payment).ToList();
    }

    private async Task<List<(string Key, ReplayPayment Payment)>> ShardAsync(int shard, string lower, bool inclusive, string upper, int limit, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = paymentTable,
            IndexName = DynamoPaymentStore.AllCreatedIndex,
            KeyConditionExpression = "all_shard = :s AND created_key BETWEEN :lo AND :hi",
            ExpressionAttributeValues = new() { [":s"] = Text($"ALL#{shard}"), [":lo"] = Text(lower), [":hi"] = Text(upper) },
            ProjectionExpression = "id, merchant_id, customer_id, amount, device_id, country, ip_address, #st, created_at, created_key, metadata.email",
            ExpressionAttributeNames = new() { ["#st"] = "status" },
            ScanIndexForward = true,
        };
        var rows = new List<(string, ReplayPayment)>();
        do
        {
            request.Limit = limit - rows.Count + 1;
            var response = await DynamoErrors.Guard(client.QueryAsync(request, cancellationToken), DynamoPaymentStore.StoreName, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                var key = item["created_key"].S;
                if (!inclusive && string.CompareOrdinal(key, lower) <= 0)
                {
                    continue; // the keyset row itself
                }

                rows.Add((key, new ReplayPayment(Guid.Parse(item["id"].S), Guid.Parse(item["merchant_id"].S), item["customer_id"].S, Long(item["amount"]),
                    OptionalText(item, "device_id"), OptionalText(item, "country"), OptionalText(item, "ip_address"),
                    item.TryGetValue("metadata", out var metadata) && metadata.M is { } map && map.TryGetValue("email", out var email) ? email.S : null,
                    Enum.Parse<Payments.PaymentStatus>(item["status"].S), Time(item["created_at"]))));
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (rows.Count < limit && request.ExclusiveStartKey is not null);

        return rows;
    }

    // The payment store's created_key: 19-digit UTC ticks, '#', the id; "ticks" alone sorts before every key of that tick.
    private static string Created(long ticks) => ticks.ToString("D19", CultureInfo.InvariantCulture);
}
