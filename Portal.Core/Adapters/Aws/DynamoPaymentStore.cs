using System.Globalization;
using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Payments;
using static Portal.Core.Adapters.Aws.DynamoItems;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Payments in one DynamoDB table (pk/sk), never scanned. Every <see cref="PaymentWrite"/> is one TransactWriteItems:
/// <list type="bullet">
/// <item><c>PAYMENT#id / PAYMENT</c>: the payment; its refunds share its partition (<c>REFUND#ticks#id</c>), so they are one Query.</item>
/// <item><c>IDEM#merchant#scope#key / scope</c>: an idempotency record, put under <c>attribute_not_exists(pk) OR expires_ticks &lt;= :now</c>
/// (TTL deletes lazily, up to days late, so an expired record must count as absent); <c>expires_at</c> (epoch seconds) is the TTL attribute.</item>
/// <item><c>PROCREF#reference / PROCREF</c>: points at the payment the processor knows by that reference (checked on read, so a stale pointer is harmless).</item>
/// <item><c>CUSTOMER#merchant#customer / PROFILE</c>: the customer profile, read, folded with <see cref="CustomerProfile.With"/> and put under a
/// version condition in the same transaction; a concurrent payment for the customer makes that condition fail and the whole write is retried.</item>
/// <item><c>STATS#merchant / minute#status#currency#reason</c> and <c>STATS#ALL#shard / …</c>: per-minute counters (ADD); stats read them by key range.</item>
/// <item><c>EVENT#id / EVENT</c>: an outbox event. <c>outbox_shard</c> (removed once dispatched) keys the sparse <c>outbox-pending-index</c>.</item>
/// </list>
/// Listings read GSIs keyed by <c>created_key</c> (<c>ticks#id</c>, newest first with the key condition <c>created_key &lt; :after</c>), so a
/// keyset cursor needs no ExclusiveStartKey.
/// </summary>
/// <remarks>
/// Hot partitions: the admin-wide listing, the global counters and the pending outbox have no natural partition key. Each is spread over
/// <see cref="Shards"/> partition keys (<c>…#0</c> to <c>…#3</c>) and read by querying every shard and merging, which multiplies reads by
/// four but keeps one key from capping the platform's write rate (about 1,000 writes/s per partition key, and far fewer transactions/s on
/// a single counter item). Changing <see cref="Shards"/> needs a migration (or reading the old shards too). A merchant's own counters and
/// listings are keyed by the merchant: a single very large merchant would want the same sharding.
/// </remarks>
internal sealed class DynamoPaymentStore : IPaymentStore, IEventOutbox
{
    public const string TtlAttribute = "expires_at";
    public const string MerchantCreatedIndex = "merchant-created-index";
    public const string CustomerCreatedIndex = "customer-created-index";
    public const string StatusIndex = "status-index";
    public const string AllCreatedIndex = "all-created-index";
    public const string PaymentEventsIndex = "payment-events-index";
    public const string OutboxPendingIndex = "outbox-pending-index";

    private const string PaymentSk = "PAYMENT";
    private const string RefundPrefix = "REFUND#";
    private const string ProfileSk = "PROFILE";
    private const string EventSk = "EVENT";
    private const string ProcessorRefSk = "PROCREF";
    private const int Shards = 4;
    private const int MaxTransactionItems = 100;

    // Twenty concurrent payments for one customer take turns on its profile: each round lets at least one through.
    private const int MaxWriteAttempts = 60;

    internal const string StoreName = "payments";

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly TimeProvider _time;

    public DynamoPaymentStore(IAmazonDynamoDB client, string tableName, TimeProvider time)
    {
        _client = client;
        _table = tableName;
        _time = time;
    }

    public async Task<PaymentWriteResult> WriteAsync(PaymentWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        for (var attempt = 1; ; attempt++)
        {
            var plan = await PlanAsync(write, cancellationToken);
            var reasons = await TransactAsync(plan.Items, cancellationToken);
            if (reasons is null)
            {
                return PaymentWriteResult.Ok;
            }

            // A replay and a stale update are answers, not contention; the idempotency key is checked first, since a replayed
            // request's update is stale too.
            if (plan.Idempotency is { } idempotency && Failed(reasons, idempotency))
            {
                var existing = reasons[idempotency].Item is { Count: > 0 } old ? old : await GetItemAsync(IdempotencyKey(write.NewIdempotency!), cancellationToken);
                if (existing is not null)
                {
                    return new PaymentWriteResult(PaymentWriteStatus.IdempotencyKeyExists, ToIdempotency(existing));
                }
            }
            else if (plan.Version is { } version && Failed(reasons, version))
            {
                return new PaymentWriteResult(PaymentWriteStatus.VersionConflict);
            }
            else if (plan.FirstEvent is { } first && reasons.Any(r => r.Code == "ConditionalCheckFailed")
                && reasons.Select((r, i) => (r.Code, Index: i)).All(x => x.Code != "ConditionalCheckFailed" || x.Index >= first))
            {
                // Only event ids were taken: those events are already in the outbox (a retried append). Write the rest.
                write = write with { Events = write.Events.Where((e, i) => !Failed(reasons, first + i)).ToList() };
                continue;
            }
            else if (reasons.Where((r, i) => i != plan.Profile).Any(r => r.Code == "ConditionalCheckFailed")
                || !reasons.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict" or "ThrottlingError"))
            {
                // A taken payment, refund or event id, or a validation error: a bug, not contention.
                throw new InvalidOperationException("DynamoDB cancelled the payment transaction: " + string.Join(", ", reasons.Select(r => r.Code)));
            }

            // Left: the profile changed under us, or another transaction held one of our items. Read again and retry.
            if (attempt == MaxWriteAttempts)
            {
                throw new InvalidOperationException($"The payment transaction was still contended after {attempt} attempts.");
            }

            var backoff = Math.Min(10 * attempt, 200);
            await Task.Delay(TimeSpan.FromMilliseconds(backoff / 2 + RandomNumberGenerator.GetInt32(backoff / 2 + 1)), cancellationToken);
        }
    }

    public async Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await GetItemAsync(PaymentKey(id), cancellationToken) is { } item ? ToPayment(item) : null;

    public async Task<Payment?> GetByProcessorReferenceAsync(string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (await GetItemAsync(Key($"PROCREF#{reference}", ProcessorRefSk), cancellationToken) is not { } pointer)
        {
            return null;
        }

        // The pointer is written whenever a payment carries the reference and never deleted: the payment has the last word.
        var payment = await GetAsync(Guid.Parse(pointer["payment_id"].S), cancellationToken);
        return payment?.ProcessorReference == reference ? payment : null;
    }

    public async Task<IdempotencyRecord?> GetIdempotencyAsync(Guid merchantId, string scope, string key, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(IdempotencyKey(merchantId, scope, key), cancellationToken);
        return item is not null && Long(item["expires_ticks"]) > _time.GetUtcNow().UtcTicks ? ToIdempotency(item) : null;
    }

    public async Task<CustomerProfile?> GetCustomerAsync(Guid merchantId, string customerId, CancellationToken cancellationToken) =>
        await GetItemAsync(ProfileKey(merchantId, customerId), cancellationToken) is { } item ? ToProfile(item) : null;

    public async Task<PaymentPage> ListAsync(PaymentListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);

        // One index serves the key; the other filter, if any, is a FilterExpression.
        var filters = new List<(string Attribute, string Value)>();
        string index, hashAttribute;
        IEnumerable<string> hashValues;
        if (query.MerchantId is { } merchant)
        {
            if (query.CustomerId is { } customer)
            {
                (index, hashAttribute, hashValues) = (CustomerCreatedIndex, "merchant_customer", new[] { MerchantCustomer(merchant, customer) });
                AddStatusFilter();
            }
            else if (query.Status is { } status)
            {
                (index, hashAttribute, hashValues) = (StatusIndex, "merchant_status", new[] { MerchantStatusKey(merchant, status) });
            }
            else
            {
                (index, hashAttribute, hashValues) = (MerchantCreatedIndex, "merchant_id", new[] { Id(merchant) });
            }
        }
        else
        {
            // Admin-wide: every shard of the all-payments index, merged. A rare status or customer reads through many rows here;
            // the admin screens page in small steps, and the merchant-scoped indexes serve the busy paths.
            (index, hashAttribute, hashValues) = (AllCreatedIndex, "all_shard", Enumerable.Range(0, Shards).Select(AllShard));
            AddStatusFilter();
            if (query.CustomerId is { } customer)
            {
                filters.Add(("customer_id", customer));
            }
        }

        var wanted = query.Limit + 1;
        var after = query.After is { } keyset ? CreatedKey(keyset.CreatedAt, keyset.Id) : null;
        var parts = await Task.WhenAll(hashValues.Select(hash => QueryNewestAsync(index, hashAttribute, hash, after, filters, wanted, cancellationToken)));
        var rows = parts.SelectMany(p => p).OrderByDescending(r => r["created_key"].S, StringComparer.Ordinal).Take(wanted).Select(ToPayment).ToList();

        PaymentKeyset? next = null;
        if (rows.Count > query.Limit)
        {
            rows.RemoveRange(query.Limit, rows.Count - query.Limit);
            next = new PaymentKeyset(rows[^1].CreatedAt, rows[^1].Id);
        }

        return new PaymentPage(rows, next);

        void AddStatusFilter()
        {
            if (query.Status is { } status)
            {
                filters.Add(("status", status.ToString()));
            }
        }
    }

    public async Task<IReadOnlyList<Refund>> RefundsAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        var items = await QueryAllAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :refund)",
            ExpressionAttributeValues = new() { [":pk"] = Text(PaymentPk(paymentId)), [":refund"] = Text(RefundPrefix) },
            ScanIndexForward = true,
            ConsistentRead = true,
        }, cancellationToken);
        return items.Select(ToRefund).ToList();
    }

    public async Task<IReadOnlyList<PaymentStatsBucket>> StatsAsync(Guid? merchantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (to <= from)
        {
            return [];
        }

        List<string> partitions = merchantId is { } merchant ? [StatsPk(merchant)] : [.. Enumerable.Range(0, Shards).Select(GlobalStatsPk)];

        // Sort keys start with the minute's ticks (19 digits): every bucket whose minute lies in [from, to) sorts between these two.
        var parts = await Task.WhenAll(partitions.Select(pk => QueryAllAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues = new() { [":pk"] = Text(pk), [":from"] = Text(Ticks(from.UtcTicks)), [":to"] = Text(Ticks(to.UtcTicks)) },
            ConsistentRead = true,
        }, cancellationToken)));

        return parts.SelectMany(p => p)
            .GroupBy(item => item["sk"].S, StringComparer.Ordinal)
            .Select(g =>
            {
                var first = g.First();
                return new PaymentStatsBucket(Time(first["minute"]), Enum.Parse<PaymentStatus>(first["status"].S), OptionalText(first, "reason"), first["currency"].S,
                    g.Sum(i => Long(i["count"])), g.Sum(i => Long(i["amount"])));
            })
            .OrderBy(b => b.Minute).ThenBy(b => b.Status).ThenBy(b => b.Currency, StringComparer.Ordinal).ThenBy(b => b.Reason, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<IReadOnlyList<PaymentEvent>> PendingAsync(int max, CancellationToken cancellationToken)
    {
        // GSIs are eventually consistent: an event marked dispatched a moment ago can come back once more, so delivery is at
        // least once (receivers dedupe by event id), and a just-written event can wait for the next poll.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var parts = await Task.WhenAll(Enumerable.Range(0, Shards).Select(async shard =>
        {
            var request = new QueryRequest
            {
                TableName = _table,
                IndexName = OutboxPendingIndex,
                KeyConditionExpression = "outbox_shard = :shard",
                ExpressionAttributeValues = new() { [":shard"] = Text(OutboxShard(shard)) },
                ScanIndexForward = true,
                Limit = max,
            };
            var response = await DynamoErrors.Guard(_client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            return response.Items ?? [];
        }));
        return parts.SelectMany(p => p).OrderBy(i => i["event_key"].S, StringComparer.Ordinal).Take(max).Select(ToEvent).ToList();
    }

    public async Task MarkDispatchedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        var dispatchedAt = Number(_time.GetUtcNow().UtcTicks);
        await Parallel.ForEachAsync(eventIds.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (id, token) =>
        {
            try
            {
                // Removing the index key takes the event out of the sparse pending index; the condition keeps an unknown id from
                // creating an item.
                await DynamoErrors.Guard(_client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _table,
                    Key = EventKey(id),
                    UpdateExpression = "REMOVE outbox_shard SET dispatched_at = if_not_exists(dispatched_at, :at)",
                    ConditionExpression = "attribute_exists(pk)",
                    ExpressionAttributeValues = new() { [":at"] = dispatchedAt },
                }, token), StoreName, CancellationToken.None);
            }
            catch (ConditionalCheckFailedException)
            {
                // Unknown event: nothing to mark.
            }
        });
    }

    public async Task<IReadOnlyList<PaymentEvent>> ForPaymentAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        // A GSI read is eventually consistent: an event committed a moment ago may show a moment later.
        var items = await QueryAllAsync(new QueryRequest
        {
            TableName = _table,
            IndexName = PaymentEventsIndex,
            KeyConditionExpression = "event_payment = :payment",
            ExpressionAttributeValues = new() { [":payment"] = Text(Id(paymentId)) },
            ScanIndexForward = true,
        }, cancellationToken);
        return items.Select(ToEvent).ToList();
    }

    public async Task<PaymentEvent?> GetEventAsync(Guid eventId, CancellationToken cancellationToken) =>
        await GetItemAsync(EventKey(eventId), cancellationToken) is { } item ? ToEvent(item) : null;

    /// <summary>
    /// Creates the table and its GSIs (on-demand), waits until it is ACTIVE and turns on TTL for <see cref="TtlAttribute"/>.
    /// Tests use it; deployments use infrastructure as code.
    /// </summary>
    public static Task CreateTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        DynamoTables.CreateAsync(client, tableName, DynamoTableDefinitions.Payments, cancellationToken);

    /// <summary>The transaction items of one attempt, and where the items whose conditions mean something sit among them.</summary>
    private sealed record Plan(List<TransactWriteItem> Items, int? Idempotency, int? Version, int? Profile, int? FirstEvent);

    private async Task<Plan> PlanAsync(PaymentWrite write, CancellationToken cancellationToken)
    {
        var items = new List<TransactWriteItem>();
        int? idempotency = null, version = null, profile = null;

        var completed = write.CompletedIdempotency;
        if (write.NewIdempotency is { } fresh)
        {
            // A transaction may touch an item once: a record completed in the very write that inserts it is inserted completed.
            var record = fresh;
            if (completed is not null && SameKey(completed, fresh))
            {
                (record, completed) = (completed, null);
            }

            idempotency = items.Count;
            items.Add(new()
            {
                Put = new Put
                {
                    TableName = _table,
                    Item = ToItem(record),
                    ConditionExpression = "attribute_not_exists(pk) OR expires_ticks <= :now",
                    ExpressionAttributeValues = new() { [":now"] = Number(_time.GetUtcNow().UtcTicks) },
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
            });
        }

        if (completed is not null)
        {
            items.Add(new() { Put = new Put { TableName = _table, Item = ToItem(completed) } });
        }

        var references = new HashSet<string>(StringComparer.Ordinal);
        if (write.NewPayment is { } created)
        {
            items.Add(new() { Put = new Put { TableName = _table, Item = ToItem(created), ConditionExpression = "attribute_not_exists(pk)" } });
            AddReference(created);
        }

        if (write.UpdatedPayment is { } updated)
        {
            version = items.Count;
            items.Add(new()
            {
                Put = new Put
                {
                    TableName = _table,
                    Item = ToItem(updated),
                    ConditionExpression = "#version = :expected",
                    ExpressionAttributeNames = new() { ["#version"] = "version" },
                    ExpressionAttributeValues = new() { [":expected"] = Number(write.ExpectedVersion) },
                },
            });
            AddReference(updated);
        }

        if (write.NewRefund is { } refund)
        {
            items.Add(new() { Put = new Put { TableName = _table, Item = ToItem(refund), ConditionExpression = "attribute_not_exists(pk)" } });
        }

        if (write.Activity is { } activity)
        {
            // Read, fold, and write back only if nobody else did in between (the version condition); else the caller retries.
            var key = ProfileKey(activity.MerchantId, activity.CustomerId);
            var stored = await GetItemAsync(key, cancellationToken);
            var current = stored is null ? CustomerProfile.Empty(activity.MerchantId, activity.CustomerId) : ToProfile(stored);
            var currentVersion = stored is null ? 0 : Long(stored["version"]);
            var put = new Put { TableName = _table, Item = ToItem(current.With(activity), currentVersion + 1) };
            if (stored is null)
            {
                put.ConditionExpression = "attribute_not_exists(pk)";
            }
            else
            {
                put.ConditionExpression = "#version = :expected";
                put.ExpressionAttributeNames = new() { ["#version"] = "version" };
                put.ExpressionAttributeValues = new() { [":expected"] = Number(currentVersion) };
            }

            profile = items.Count;
            items.Add(new() { Put = put });
        }

        if (write.Count is { } count)
        {
            // Any shard will do for the global counter: the reads sum them all.
            items.Add(new() { Update = AddToCounter(StatsPk(count.MerchantId), count) });
            items.Add(new() { Update = AddToCounter(GlobalStatsPk(RandomNumberGenerator.GetInt32(Shards)), count) });
        }

        int? firstEvent = write.Events.Count > 0 ? items.Count : null;
        foreach (var e in write.Events)
        {
            items.Add(new() { Put = new Put { TableName = _table, Item = ToItem(e), ConditionExpression = "attribute_not_exists(pk)" } });
        }

        if (items.Count > MaxTransactionItems)
        {
            throw new ArgumentException($"One payment write may hold at most {MaxTransactionItems} items (DynamoDB's transaction limit); this one has {items.Count}.", nameof(write));
        }

        return new Plan(items, idempotency, version, profile, firstEvent);

        void AddReference(Payment payment)
        {
            if (payment.ProcessorReference is { } reference && references.Add(reference))
            {
                items.Add(new()
                {
                    Put = new Put
                    {
                        TableName = _table,
                        Item = new() { ["pk"] = Text($"PROCREF#{reference}"), ["sk"] = Text(ProcessorRefSk), ["payment_id"] = Text(Id(payment.Id)) },
                    },
                });
            }
        }
    }

    /// <summary>Runs the transaction; null when it committed, else the cancellation reasons (one per item, in order).</summary>
    private async Task<List<CancellationReason>?> TransactAsync(List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return null;
        }

        try
        {
            // A token per attempt makes the SDK's own retries of this call idempotent: a transaction that did commit is not
            // replayed into a spurious IdempotencyKeyExists.
            await DynamoErrors.Guard(_client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = Guid.NewGuid().ToString() }, cancellationToken), StoreName, cancellationToken);
            return null;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons is { Count: > 0 } reasons)
        {
            return reasons;
        }
    }

    private static bool Failed(List<CancellationReason> reasons, int index) => index < reasons.Count && reasons[index].Code == "ConditionalCheckFailed";

    private async Task<List<Dictionary<string, AttributeValue>>> QueryNewestAsync(string index, string hashAttribute, string hash, string? after,
        List<(string Attribute, string Value)> filters, int wanted, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = _table,
            IndexName = index,
            KeyConditionExpression = after is null ? "#hash = :hash" : "#hash = :hash AND created_key < :after",
            ExpressionAttributeNames = new() { ["#hash"] = hashAttribute },
            ExpressionAttributeValues = new() { [":hash"] = Text(hash) },
            ScanIndexForward = false,
        };
        if (after is not null)
        {
            request.ExpressionAttributeValues[":after"] = Text(after);
        }

        for (var i = 0; i < filters.Count; i++)
        {
            request.ExpressionAttributeNames[$"#f{i}"] = filters[i].Attribute;
            request.ExpressionAttributeValues[$":f{i}"] = Text(filters[i].Value);
        }

        if (filters.Count > 0)
        {
            request.FilterExpression = string.Join(" AND ", filters.Select((_, i) => $"#f{i} = :f{i}"));
        }

        // DynamoDB's Limit counts items read before the filter, so a filtered query reads in larger steps and loops until it
        // has enough matches or the index ends.
        var rows = new List<Dictionary<string, AttributeValue>>();
        do
        {
            request.Limit = filters.Count == 0 ? wanted - rows.Count : Math.Max(wanted, 100);
            var response = await DynamoErrors.Guard(_client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            rows.AddRange(response.Items ?? []);
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (rows.Count < wanted && request.ExclusiveStartKey is not null);

        return rows;
    }

    private async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var response = await DynamoErrors.Guard(_client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            items.AddRange(response.Items ?? []);
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);

        return items;
    }

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(_client.GetItemAsync(new GetItemRequest { TableName = _table, Key = key, ConsistentRead = true }, cancellationToken), StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private Update AddToCounter(string pk, PaymentOutcomeCount count)
    {
        var minute = count.At.UtcTicks - count.At.UtcTicks % TimeSpan.TicksPerMinute;
        var values = new Dictionary<string, AttributeValue>
        {
            [":one"] = Number(1),
            [":amount"] = Number(count.Amount),
            [":minute"] = Number(minute),
            [":status"] = Text(count.Status.ToString()),
            [":currency"] = Text(count.Currency),
        };
        var set = "#minute = :minute, #status = :status, currency = :currency";
        if (count.Reason is not null)
        {
            values[":reason"] = Text(count.Reason);
            set += ", reason = :reason";
        }

        return new Update
        {
            TableName = _table,
            // null and "" reasons are different buckets: "-" marks the one, "+" prefixes every real reason.
            Key = Key(pk, $"{Ticks(minute)}#{count.Status}#{count.Currency}#{(count.Reason is null ? "-" : "+" + count.Reason)}"),
            UpdateExpression = $"SET {set} ADD #count :one, amount :amount",
            ExpressionAttributeNames = new() { ["#minute"] = "minute", ["#status"] = "status", ["#count"] = "count" },
            ExpressionAttributeValues = values,
        };
    }

    private static Dictionary<string, AttributeValue> ToItem(Payment p)
    {
        var item = PaymentKey(p.Id);
        item["id"] = Text(Id(p.Id));
        item["merchant_id"] = Text(Id(p.MerchantId));
        item["amount"] = Number(p.Amount);
        item["currency"] = Text(p.Currency);
        item["customer_id"] = Text(p.CustomerId);
        item["payment_method"] = Text(p.PaymentMethod);
        item["status"] = Text(p.Status.ToString());
        item["retryable"] = new AttributeValue { BOOL = p.Retryable };
        item["fraud_score"] = Number(p.FraudScore);
        item["refunded_amount"] = Number(p.RefundedAmount);
        item["idempotency_key"] = Text(p.IdempotencyKey);
        item["created_at"] = Number(p.CreatedAt.UtcTicks);
        item["updated_at"] = Number(p.UpdatedAt.UtcTicks);
        item["version"] = Number(p.Version);
        SetOptional(item, "order_id", p.OrderId);
        SetOptional(item, "device_id", p.DeviceId);
        SetOptional(item, "ip_address", p.IpAddress);
        SetOptional(item, "country", p.Country);
        SetOptional(item, "failure_code", p.FailureCode);
        SetOptional(item, "failure_message", p.FailureMessage);
        SetOptional(item, "processor", p.Processor);
        SetOptional(item, "processor_reference", p.ProcessorReference);
        if (p.RuleVersion is { } ruleVersion)
        {
            item["rule_version"] = Number(ruleVersion);
        }

        // Empty collections are left out (read back as empty), so no empty L or M goes over the wire.
        if (p.Metadata.Count > 0)
        {
            item["metadata"] = new AttributeValue { M = p.Metadata.ToDictionary(m => m.Key, m => Text(m.Value), StringComparer.Ordinal) };
        }

        if (p.FraudFactors.Count > 0)
        {
            item["fraud_factors"] = new AttributeValue
            {
                L = p.FraudFactors.Select(f => new AttributeValue { M = new() { ["rule"] = Text(f.Rule), ["weight"] = Number(f.Weight), ["detail"] = Text(f.Detail) } }).ToList(),
            };
        }

        // Index keys.
        item["created_key"] = Text(CreatedKey(p.CreatedAt, p.Id));
        item["merchant_customer"] = Text(MerchantCustomer(p.MerchantId, p.CustomerId));
        item["merchant_status"] = Text(MerchantStatusKey(p.MerchantId, p.Status));
        item["all_shard"] = Text(AllShard(ShardOf(p.Id)));
        return item;
    }

    private static Payment ToPayment(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["id"].S),
        Guid.Parse(item["merchant_id"].S),
        Long(item["amount"]),
        item["currency"].S,
        item["customer_id"].S,
        item["payment_method"].S,
        OptionalText(item, "order_id"),
        OptionalText(item, "device_id"),
        OptionalText(item, "ip_address"),
        OptionalText(item, "country"),
        item.TryGetValue("metadata", out var metadata) ? metadata.M.ToDictionary(m => m.Key, m => m.Value.S, StringComparer.Ordinal) : new Dictionary<string, string>(),
        Enum.Parse<PaymentStatus>(item["status"].S),
        OptionalText(item, "failure_code"),
        OptionalText(item, "failure_message"),
        item["retryable"].BOOL == true,
        (int)Long(item["fraud_score"]),
        item.TryGetValue("fraud_factors", out var factors) ? factors.L.Select(f => new FraudFactor(f.M["rule"].S, (int)Long(f.M["weight"]), f.M["detail"].S)).ToList() : [],
        OptionalText(item, "processor"),
        OptionalText(item, "processor_reference"),
        Long(item["refunded_amount"]),
        item["idempotency_key"].S,
        Time(item["created_at"]),
        Time(item["updated_at"]),
        Long(item["version"]))
    {
        RuleVersion = item.TryGetValue("rule_version", out var ruleVersion) ? (int)Long(ruleVersion) : null,
    };

    private static Dictionary<string, AttributeValue> ToItem(IdempotencyRecord r)
    {
        var item = IdempotencyKey(r);
        item["merchant_id"] = Text(Id(r.MerchantId));
        item["key"] = Text(r.Key);
        item["scope"] = Text(r.Scope);
        item["request_hash"] = Text(r.RequestHash);
        item["resource_id"] = Text(Id(r.ResourceId));
        item["status_code"] = Number((int)r.Outcome);
        item["created_at"] = Number(r.CreatedAt.UtcTicks);
        item["expires_ticks"] = Number(r.ExpiresAt.UtcTicks);
        item[TtlAttribute] = Number(r.ExpiresAt.ToUnixTimeSeconds());
        SetOptional(item, "response_body", r.Snapshot);
        return item;
    }

    private static IdempotencyRecord ToIdempotency(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["merchant_id"].S),
        item["key"].S,
        item["scope"].S,
        item["request_hash"].S,
        Guid.Parse(item["resource_id"].S),
        (IdempotentOutcome)(int)Long(item["status_code"]),
        OptionalText(item, "response_body"),
        Time(item["created_at"]),
        Time(item["expires_ticks"]));

    private static Dictionary<string, AttributeValue> ToItem(Refund r)
    {
        var item = Key(PaymentPk(r.PaymentId), $"{RefundPrefix}{Ticks(r.CreatedAt.UtcTicks)}#{Id(r.Id)}");
        item["id"] = Text(Id(r.Id));
        item["payment_id"] = Text(Id(r.PaymentId));
        item["merchant_id"] = Text(Id(r.MerchantId));
        item["amount"] = Number(r.Amount);
        item["currency"] = Text(r.Currency);
        item["created_at"] = Number(r.CreatedAt.UtcTicks);
        SetOptional(item, "reason", r.Reason);
        SetOptional(item, "processor_reference", r.ProcessorReference);
        return item;
    }

    private static Refund ToRefund(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["id"].S), Guid.Parse(item["payment_id"].S), Guid.Parse(item["merchant_id"].S), Long(item["amount"]), item["currency"].S,
        OptionalText(item, "reason"), OptionalText(item, "processor_reference"), Time(item["created_at"]));

    private static Dictionary<string, AttributeValue> ToItem(CustomerProfile p, long version)
    {
        var item = ProfileKey(p.MerchantId, p.CustomerId);
        item["merchant_id"] = Text(Id(p.MerchantId));
        item["customer_id"] = Text(p.CustomerId);
        item["payment_count"] = Number(p.PaymentCount);
        item["total_amount"] = Number(p.TotalAmount);
        item["version"] = Number(version);
        if (p.KnownDevices.Count > 0)
        {
            item["known_devices"] = new AttributeValue { L = p.KnownDevices.Select(Text).ToList() };
        }

        if (p.Countries.Count > 0)
        {
            item["countries"] = new AttributeValue { M = p.Countries.ToDictionary(c => c.Key, c => Number(c.Value), StringComparer.Ordinal) };
        }

        if (p.Recent.Count > 0)
        {
            item["recent"] = new AttributeValue { L = p.Recent.Select(r => new AttributeValue { M = new() { ["at"] = Number(r.At.UtcTicks), ["amount"] = Number(r.Amount) } }).ToList() };
        }

        return item;
    }

    private static CustomerProfile ToProfile(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["merchant_id"].S),
        item["customer_id"].S,
        Long(item["payment_count"]),
        Long(item["total_amount"]),
        item.TryGetValue("known_devices", out var devices) ? devices.L.Select(d => d.S).ToList() : [],
        item.TryGetValue("countries", out var countries) ? countries.M.ToDictionary(c => c.Key, c => Long(c.Value), StringComparer.Ordinal) : new Dictionary<string, long>(),
        item.TryGetValue("recent", out var recent) ? recent.L.Select(r => new RecentPayment(Time(r.M["at"]), Long(r.M["amount"]))).ToList() : []);

    private static Dictionary<string, AttributeValue> ToItem(PaymentEvent e)
    {
        var item = EventKey(e.Id);
        item["id"] = Text(Id(e.Id));
        item["merchant_id"] = Text(Id(e.MerchantId));
        item["type"] = Text(e.Type);
        item["payment_id"] = Text(Id(e.PaymentId));
        item["data"] = Text(e.Data);
        item["created_at"] = Number(e.CreatedAt.UtcTicks);
        item["event_payment"] = Text(Id(e.PaymentId));
        item["event_key"] = Text(CreatedKey(e.CreatedAt, e.Id));
        item["outbox_shard"] = Text(OutboxShard(ShardOf(e.Id)));
        SetOptional(item, "trace_id", e.TraceId);
        return item;
    }

    private static PaymentEvent ToEvent(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item["id"].S), Guid.Parse(item["merchant_id"].S), item["type"].S, Guid.Parse(item["payment_id"].S), item["data"].S, Time(item["created_at"]))
    {
        TraceId = OptionalText(item, "trace_id"),
    };

    private static bool SameKey(IdempotencyRecord a, IdempotencyRecord b) =>
        a.MerchantId == b.MerchantId && string.Equals(a.Scope, b.Scope, StringComparison.Ordinal) && string.Equals(a.Key, b.Key, StringComparison.Ordinal);

    // Ticks then id: newest first is descending order of the string, and equal times fall back to the id ("N" strings order as Guid.CompareTo does).
    private static string CreatedKey(DateTimeOffset at, Guid id) => $"{Ticks(at.UtcTicks)}#{Id(id)}";

    private static string Ticks(long ticks) => ticks.ToString("D19", CultureInfo.InvariantCulture);

    private static string Id(Guid id) => id.ToString("N");

    // The last byte of a version 7 id is random.
    private static int ShardOf(Guid id) => id.ToByteArray(bigEndian: true)[15] % Shards;

    private static string AllShard(int shard) => $"ALL#{shard}";

    private static string OutboxShard(int shard) => $"PENDING#{shard}";

    private static string MerchantCustomer(Guid merchantId, string customerId) => $"{Id(merchantId)}#{customerId}";

    private static string MerchantStatusKey(Guid merchantId, PaymentStatus status) => $"{Id(merchantId)}#{status}";

    private static string StatsPk(Guid merchantId) => $"STATS#{Id(merchantId)}";

    private static string GlobalStatsPk(int shard) => $"STATS#ALL#{shard}";

    private static string PaymentPk(Guid id) => $"PAYMENT#{Id(id)}";

    private static Dictionary<string, AttributeValue> PaymentKey(Guid id) => Key(PaymentPk(id), PaymentSk);

    private static Dictionary<string, AttributeValue> EventKey(Guid id) => Key($"EVENT#{Id(id)}", EventSk);

    private static Dictionary<string, AttributeValue> ProfileKey(Guid merchantId, string customerId) => Key($"CUSTOMER#{Id(merchantId)}#{customerId}", ProfileSk);

    private static Dictionary<string, AttributeValue> IdempotencyKey(IdempotencyRecord r) => IdempotencyKey(r.MerchantId, r.Scope, r.Key);

    // The scope is the sort key too, so a '#' in a scope or key cannot make two (scope, key) pairs share an item.
    private static Dictionary<string, AttributeValue> IdempotencyKey(Guid merchantId, string scope, string key) => Key($"IDEM#{Id(merchantId)}#{scope}#{key}", scope);
}
