using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Audit;
using static Portal.Core.Adapters.Aws.DynamoItems;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// The audit log in one DynamoDB table (pk/sk), never scanned. Events are <c>AUDIT#EVENTS / sequence</c> (19 digits, so
/// the sort key orders them); the signed head is <c>AUDIT#HEAD / HEAD</c> holding the last sequence, hash and signature.
/// An append is one TransactWriteItems: the event put under <c>attribute_not_exists</c> and the head put under a condition
/// on the sequence it continues, so two writers (two portal instances) can never both write sequence n: the loser re-reads
/// the head and retries. Within a process, appends are serialised by a gate, so the retry is only for other processes.
/// Filters query a GSI keyed by the filtered attribute with <c>seq</c> as range key (action, area, actor id, actor name,
/// role, source IP, target, outcome, day), the other filters riding along as a FilterExpression. A time range of at most
/// <see cref="MaxDayPartitions"/> days reads the day index, one partition per day. Every event is in the one
/// <c>AUDIT#EVENTS</c> partition: appends are serial anyway (one chain), and a partition takes 1,000 writes a second.
/// </summary>
internal sealed class DynamoAuditLog(IAmazonDynamoDB client, string tableName, AuditChain chain, TimeProvider clock) : IAuditLog, IDisposable
{
    internal const string StoreName = "audit";

    /// <summary>Totals are counted up to this many events and reported as at least this many (the page says "10,000+").</summary>
    public const int CountCap = 10_000;

    internal const int MaxDayPartitions = 31;
    private const string EventsPk = "AUDIT#EVENTS";
    private const string HeadPk = "AUDIT#HEAD";
    private const string HeadSk = "HEAD";
    private const int MaxAppendAttempts = 100;

    internal static readonly (string Index, string Attribute)[] Indexes =
    [
        ("action-index", "action"),
        ("area-index", "area"),
        ("actor-index", "actor_id"),
        ("actor-name-index", "actor_name"),
        ("role-index", "actor_role"),
        ("ip-index", "source_ip"),
        ("target-index", "target"),
        ("outcome-index", "outcome"),
        ("day-index", "day"),
        ("trace-index", "trace_id"),
    ];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long Sequence, string Hash)? _tail;

    public static Task CreateTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        DynamoTables.CreateAsync(client, tableName, DynamoTableDefinitions.Audit, cancellationToken);

    public async Task<AuditEvent> AppendAsync(Actor actor, AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(entry);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Once started, the write goes through even if the caller stops waiting: an audit record is never dropped half-way.
            for (var attempt = 1; ; attempt++)
            {
                var (last, previous) = _tail ??= await ReadTailAsync(CancellationToken.None);
                var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
                var unhashed = new AuditEvent(last + 1, Guid.CreateVersion7(now), now, actor.UserId, actor.Name, actor.Role,
                    entry.Action, entry.Target, actor.SourceIp, entry.Outcome, entry.Detail, previous, "", entry.TraceId);
                var e = unhashed with { Hash = chain.ComputeHash(unhashed) };
                var head = Key(HeadPk, HeadSk);
                head["head_seq"] = Number(e.Sequence);
                head["hash"] = Text(e.Hash);
                head["signature"] = Text(chain.SignHead(e.Sequence, e.Hash));
                var headPut = new Put { TableName = tableName, Item = head };
                if (last == 0)
                {
                    headPut.ConditionExpression = "attribute_not_exists(pk)";
                }
                else
                {
                    headPut.ConditionExpression = "head_seq = :last";
                    headPut.ExpressionAttributeValues = new() { [":last"] = Number(last) };
                }

                try
                {
                    await DynamoErrors.Guard(client.TransactWriteItemsAsync(new TransactWriteItemsRequest
                    {
                        ClientRequestToken = Guid.NewGuid().ToString(),
                        TransactItems =
                        [
                            new() { Put = new Put { TableName = tableName, Item = ToItem(e), ConditionExpression = "attribute_not_exists(pk)" } },
                            new() { Put = headPut },
                        ],
                    }, CancellationToken.None), StoreName, CancellationToken.None);
                    _tail = (e.Sequence, e.Hash);
                    return e;
                }
                catch (Exception ex) when (ex is TransactionCanceledException or TransactionConflictException && attempt < MaxAppendAttempts)
                {
                    _tail = null;
                    if (ex is TransactionCanceledException canceled && canceled.CancellationReasons is { Count: 2 } reasons
                        && reasons[0].Code == "ConditionalCheckFailed" && reasons[1].Code != "ConditionalCheckFailed")
                    {
                        // The head says n, yet event n+1 exists: it was written around the log, which verification reports.
                        throw new InvalidOperationException($"Audit event {last + 1} exists beyond the signed head of the log; run the chain verification.", ex);
                    }

                    // Another instance appended first (or the transaction collided): continue from its head.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), CancellationToken.None);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 10_000);
        var skip = Math.Clamp(query.Skip, 0, 100_000);
        var events = new List<AuditEvent>(Math.Min(limit + 1, 1024));
        var skipped = 0;
        await foreach (var item in Read(query, keyset: true, cancellationToken))
        {
            if (skipped < skip)
            {
                skipped++;
                continue;
            }

            events.Add(ToEvent(item));
            if (events.Count > limit)
            {
                break;
            }
        }

        long total = -1;
        if (query.CountTotal)
        {
            total = 0;
            await foreach (var _ in Read(query, keyset: false, cancellationToken))
            {
                if (++total >= CountCap)
                {
                    break;
                }
            }
        }

        return AuditPage.Of(events, limit, query.Ascending, total);
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        // AuditChain.Verify walks a synchronous sequence; the pages are fetched on this pool thread as it walks, so the
        // chain is never held in memory whole.
        Task.Run(async () =>
        {
            var head = await ReadHeadAsync(cancellationToken);
            // Every event up to the head was committed with it (one transaction), so reading up to the head read first
            // is a consistent cut even while appends continue.
            var result = AuditChain.Verify(chain, ReadEventsBlocking(head?.Sequence, cancellationToken), head, clock.GetUtcNow());
            if (!result.IsIntact)
            {
                return result;
            }

            // An event beyond the signed head was not written by the log (the log writes both together); re-reading the
            // head after finding it rules out an append that committed meanwhile.
            var beyond = await FirstEventAfterAsync(head?.Sequence ?? 0, cancellationToken);
            if (beyond is { } extra && extra > ((await ReadHeadAsync(cancellationToken))?.Sequence ?? 0))
            {
                return result with { IsIntact = false, FirstBrokenSequence = extra, Problem = $"Event {extra} is beyond the signed head of the log: it was added around the log." };
            }

            return result;
        }, cancellationToken);

    public async Task<IReadOnlyDictionary<string, long>> CountByActionAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var day in Days(from, to, ascending: true))
        {
            await foreach (var item in Pages(new QueryRequest
            {
                TableName = tableName,
                IndexName = "day-index",
                KeyConditionExpression = "#k = :k",
                FilterExpression = "occurred_at >= :from AND occurred_at < :to",
                ProjectionExpression = "#action",
                ExpressionAttributeNames = new() { ["#k"] = "day", ["#action"] = "action" },
                ExpressionAttributeValues = new()
                {
                    [":k"] = Text(day),
                    [":from"] = Number(from.ToUnixTimeMilliseconds()),
                    [":to"] = Number(to.ToUnixTimeMilliseconds()),
                },
            }, cancellationToken))
            {
                var action = item["action"].S;
                counts[action] = counts.GetValueOrDefault(action) + 1;
            }
        }

        return counts;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// The matching event items in sequence order (newest first unless ascending): one or more key sources (a GSI
    /// partition, or the events partition), each read page by page, merged on sequence without duplicates.
    /// </summary>
    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> Read(AuditQuery query, bool keyset,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sources = Sources(query);
        var enumerators = new List<IAsyncEnumerator<Dictionary<string, AttributeValue>>>();
        try
        {
            foreach (var (index, attribute, key) in sources)
            {
                // A filter may not name the key it queries: the terms on that attribute are left out (the key matches them).
                var requestNames = new Dictionary<string, string> { ["#k"] = attribute };
                var requestValues = new Dictionary<string, AttributeValue> { [":k"] = Text(key) };
                var filter = Filter(query, requestNames, requestValues, attribute);
                var condition = "#k = :k";
                if (keyset && (query.BeforeSequence is not null || query.AfterSequence is not null))
                {
                    requestNames["#r"] = index is null ? "sk" : "seq";
                }

                if (keyset && query.BeforeSequence is { } before)
                {
                    condition += " AND #r < :before";
                    requestValues[":before"] = Text(SequenceKey(before));
                }

                if (keyset && query.AfterSequence is { } after)
                {
                    condition += " AND #r > :after";
                    requestValues[":after"] = Text(SequenceKey(after));
                }

                var request = new QueryRequest
                {
                    TableName = tableName,
                    IndexName = index,
                    KeyConditionExpression = condition,
                    FilterExpression = filter,
                    ExpressionAttributeNames = requestNames,
                    ExpressionAttributeValues = requestValues,
                    ScanIndexForward = query.Ascending,
                    ConsistentRead = index is null ? true : null,
                };
                var enumerator = Pages(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
                enumerators.Add(enumerator);
            }

            var live = new List<IAsyncEnumerator<Dictionary<string, AttributeValue>>>();
            foreach (var e in enumerators)
            {
                if (await e.MoveNextAsync())
                {
                    live.Add(e);
                }
            }

            string? lastYielded = null;
            while (live.Count > 0)
            {
                var best = 0;
                for (var i = 1; i < live.Count; i++)
                {
                    var c = string.CompareOrdinal(live[i].Current["seq"].S, live[best].Current["seq"].S);
                    if (query.Ascending ? c < 0 : c > 0)
                    {
                        best = i;
                    }
                }

                var item = live[best].Current;
                if (!string.Equals(item["seq"].S, lastYielded, StringComparison.Ordinal) && Matches(query, item))
                {
                    lastYielded = item["seq"].S;
                    yield return item;
                }

                if (!await live[best].MoveNextAsync())
                {
                    live.RemoveAt(best);
                }
            }
        }
        finally
        {
            foreach (var e in enumerators)
            {
                await e.DisposeAsync();
            }
        }
    }

    /// <summary>Where to read: the partition of the most selective indexed filter, or the day partitions of a short time range, or every event.</summary>
    private List<(string? Index, string Attribute, string Key)> Sources(AuditQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.TraceId))
        {
            return [("trace-index", "trace_id", query.TraceId)];
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            return [("target-index", "target", query.Target)];
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            return [("action-index", "action", query.Action)];
        }

        if (!string.IsNullOrWhiteSpace(query.ActorId))
        {
            // Actor id or name: two partitions, merged.
            return [("actor-index", "actor_id", query.ActorId), ("actor-name-index", "actor_name", query.ActorId)];
        }

        if (!string.IsNullOrWhiteSpace(query.SourceIp))
        {
            return [("ip-index", "source_ip", query.SourceIp)];
        }

        if (query.From is { } from)
        {
            var to = query.To ?? clock.GetUtcNow().AddDays(1);
            if ((to - from).TotalDays <= MaxDayPartitions)
            {
                return Days(from, to, query.Ascending).Select(d => ((string?)"day-index", "day", d)).ToList();
            }
        }

        if (!string.IsNullOrWhiteSpace(query.ActionPrefix) && query.ActionPrefix.EndsWith('.') && query.ActionPrefix.IndexOf('.', StringComparison.Ordinal) == query.ActionPrefix.Length - 1)
        {
            return [("area-index", "area", query.ActionPrefix[..^1])];
        }

        if (!string.IsNullOrWhiteSpace(query.ActorRole))
        {
            return [("role-index", "actor_role", query.ActorRole)];
        }

        if (query.Outcome is { } outcome)
        {
            return [("outcome-index", "outcome", outcome.ToString())];
        }

        return [(null, "pk", EventsPk)];
    }

    private static List<string> Days(DateTimeOffset from, DateTimeOffset to, bool ascending)
    {
        var days = new List<string>();
        for (var day = from.UtcDateTime.Date; day < to.UtcDateTime; day = day.AddDays(1))
        {
            days.Add(DayKey(day));
        }

        if (!ascending)
        {
            days.Reverse();
        }

        return days;
    }

    /// <summary>
    /// The query's filters as one FilterExpression, less the terms on the queried key attribute (DynamoDB refuses those;
    /// the key condition covers them). <see cref="Matches"/> checks every filter again on what comes back.
    /// </summary>
    private static string? Filter(AuditQuery query, Dictionary<string, string> names, Dictionary<string, AttributeValue> values, string keyAttribute)
    {
        var terms = new List<string>();
        void Equal(string attribute, string? value, string placeholder)
        {
            if (!string.IsNullOrWhiteSpace(value) && attribute != keyAttribute)
            {
                names["#" + placeholder] = attribute;
                values[":" + placeholder] = Text(value);
                terms.Add($"#{placeholder} = :{placeholder}");
            }
        }

        Equal("action", query.Action, "action");
        Equal("actor_role", query.ActorRole, "role");
        Equal("source_ip", query.SourceIp, "ip");
        Equal("target", query.Target, "target");
        Equal("trace_id", query.TraceId, "trace");
        Equal("outcome", query.Outcome?.ToString(), "outcome");
        if (!string.IsNullOrWhiteSpace(query.ActorId) && keyAttribute is not "actor_id" and not "actor_name")
        {
            names["#actor_id"] = "actor_id";
            names["#actor_name"] = "actor_name";
            values[":actor"] = Text(query.ActorId);
            terms.Add("#actor_id = :actor OR #actor_name = :actor");
        }

        if (!string.IsNullOrWhiteSpace(query.ActionPrefix) && keyAttribute != "action")
        {
            names["#action"] = "action";
            values[":area"] = Text(query.ActionPrefix);
            terms.Add("begins_with(#action, :area)");
        }

        if (query.TargetType is { } type && AuditTargets.Pattern(type) is { } pattern && keyAttribute != "target")
        {
            names["#target"] = "target";
            var ors = new List<string>();
            for (var i = 0; i < pattern.Prefixes.Length; i++)
            {
                values[$":tp{i}"] = Text(pattern.Prefixes[i]);
                ors.Add($"begins_with(#target, :tp{i})");
            }

            // DynamoDB refuses redundant parentheses: an OR is grouped only when it has two sides.
            var term = ors.Count == 1 ? ors[0] : $"({string.Join(" OR ", ors)})";
            if (pattern.Slash is { } mustHaveSlash)
            {
                values[":slash"] = Text("/");
                term += mustHaveSlash ? " AND contains(#target, :slash)" : " AND NOT contains(#target, :slash)";
            }

            terms.Add(term);
        }

        if (query.From is { } from)
        {
            values[":from"] = Number(from.ToUnixTimeMilliseconds());
            terms.Add("occurred_at >= :from");
        }

        if (query.To is { } to)
        {
            values[":to"] = Number(to.ToUnixTimeMilliseconds());
            terms.Add("occurred_at < :to");
        }

        // A term with an OR is grouped only when other terms join it (DynamoDB refuses redundant parentheses).
        return terms.Count switch
        {
            0 => null,
            1 => terms[0],
            _ => string.Join(" AND ", terms.Select(t => t.Contains(" OR ", StringComparison.Ordinal) && !t.StartsWith('(') ? $"({t})" : t)),
        };
    }

    /// <summary>Every filter of the query, checked on a returned item (the same rules as the SQLite adapter's WHERE).</summary>
    private static bool Matches(AuditQuery query, Dictionary<string, AttributeValue> item)
    {
        var e = ToEvent(item);
        static bool Set(string? value) => !string.IsNullOrWhiteSpace(value);
        return (!Set(query.Action) || e.Action == query.Action)
            && (!Set(query.ActionPrefix) || e.Action.StartsWith(query.ActionPrefix!, StringComparison.Ordinal))
            && (!Set(query.ActorId) || e.ActorId == query.ActorId || e.ActorName == query.ActorId)
            && (!Set(query.ActorRole) || e.ActorRole == query.ActorRole)
            && (query.Outcome is not { } outcome || e.Outcome == outcome)
            && (!Set(query.SourceIp) || e.SourceIp == query.SourceIp)
            && (!Set(query.Target) || e.Target == query.Target)
            && (!Set(query.TraceId) || e.TraceId == query.TraceId)
            && (query.TargetType is not { } type || AuditTargets.Pattern(type) is not { } pattern
                || (e.Target is { } target && pattern.Prefixes.Any(p => target.StartsWith(p, StringComparison.Ordinal))
                    && (pattern.Slash is null || pattern.Slash == target.Contains('/', StringComparison.Ordinal))))
            && (query.From is not { } from || e.OccurredAt >= from)
            && (query.To is not { } to || e.OccurredAt < to);
    }

    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> Pages(QueryRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            request.ExclusiveStartKey = start;
            var response = await DynamoErrors.Guard(client.QueryAsync(request, cancellationToken), StoreName, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                yield return item;
            }

            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }

    private IEnumerable<AuditEvent> ReadEventsBlocking(long? upTo, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = upTo is null ? "pk = :pk" : "pk = :pk AND sk <= :upto",
            ExpressionAttributeValues = new() { [":pk"] = Text(EventsPk) },
            ScanIndexForward = true,
            ConsistentRead = true,
        };
        if (upTo is { } last)
        {
            request.ExpressionAttributeValues[":upto"] = Text(SequenceKey(last));
        }

        var pages = Pages(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (pages.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                yield return ToEvent(pages.Current);
            }
        }
        finally
        {
            pages.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private async Task<long?> FirstEventAfterAsync(long sequence, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "pk = :pk AND sk > :after",
            ExpressionAttributeValues = new() { [":pk"] = Text(EventsPk), [":after"] = Text(SequenceKey(sequence)) },
            ScanIndexForward = true,
            ConsistentRead = true,
            Limit = 1,
        }, cancellationToken), StoreName, cancellationToken);
        return response.Items is { Count: > 0 } items ? long.Parse(items[0]["sk"].S, CultureInfo.InvariantCulture) : null;
    }

    private async Task<AuditHead?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(HeadPk, HeadSk), ConsistentRead = true },
            cancellationToken), StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? new AuditHead(Long(item["head_seq"]), item["hash"].S, item["signature"].S) : null;
    }

    private async Task<(long, string)> ReadTailAsync(CancellationToken cancellationToken) =>
        await ReadHeadAsync(cancellationToken) is { } head ? (head.Sequence, head.Hash) : (0, AuditChain.GenesisHash);

    internal static string SequenceKey(long sequence) => sequence.ToString("D19", CultureInfo.InvariantCulture);

    private static string DayKey(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Dictionary<string, AttributeValue> ToItem(AuditEvent e)
    {
        var item = Key(EventsPk, SequenceKey(e.Sequence));
        item["seq"] = Text(SequenceKey(e.Sequence));
        item["id"] = Text(e.Id.ToString("N"));
        item["occurred_at"] = Number(e.OccurredAt.ToUnixTimeMilliseconds());
        item["day"] = Text(DayKey(e.OccurredAt.UtcDateTime.Date));
        SetOptional(item, "actor_id", NullIfEmpty(e.ActorId));
        SetOptional(item, "actor_name", NullIfEmpty(e.ActorName));
        SetOptional(item, "actor_role", NullIfEmpty(e.ActorRole));
        item["action"] = Text(e.Action);
        item["area"] = Text(AuditActions.AreaOf(e.Action));
        SetOptional(item, "target", NullIfEmpty(e.Target));
        SetOptional(item, "source_ip", NullIfEmpty(e.SourceIp));
        item["outcome"] = Text(e.Outcome.ToString());
        SetOptional(item, "detail", e.Detail);
        SetOptional(item, "trace_id", e.TraceId);
        item["previous_hash"] = Text(e.PreviousHash);
        item["hash"] = Text(e.Hash);
        // An empty string cannot be an index key, and an empty field hashes like a missing one; so an empty value is
        // stored as absent and read back as null, whose hash is the same. "empty" marks the difference for the read.
        foreach (var (name, value) in new[] { ("actor_id", e.ActorId), ("actor_name", e.ActorName), ("actor_role", e.ActorRole), ("target", e.Target), ("source_ip", e.SourceIp) })
        {
            if (value is "")
            {
                item["empty_" + name] = new AttributeValue { BOOL = true };
            }
        }

        return item;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static AuditEvent ToEvent(Dictionary<string, AttributeValue> item)
    {
        string? Optional(string name) => OptionalText(item, name) ?? (item.ContainsKey("empty_" + name) ? "" : null);
        return new AuditEvent(
            long.Parse(item["seq"].S, CultureInfo.InvariantCulture),
            Guid.ParseExact(item["id"].S, "N"),
            DateTimeOffset.FromUnixTimeMilliseconds(Long(item["occurred_at"])),
            Optional("actor_id"),
            Optional("actor_name"),
            Optional("actor_role"),
            item["action"].S,
            Optional("target"),
            Optional("source_ip"),
            Enum.Parse<AuditOutcome>(item["outcome"].S),
            OptionalText(item, "detail"),
            item["previous_hash"].S,
            item["hash"].S,
            OptionalText(item, "trace_id"));
    }
}
