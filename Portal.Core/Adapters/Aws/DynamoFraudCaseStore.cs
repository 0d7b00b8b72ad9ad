using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Portal.Core.Fraud.Review;
using Portal.Core.Payments;
using static Portal.Core.Adapters.Aws.DynamoItems;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Fraud review cases in one DynamoDB table (pk/sk), never scanned. A case is <c>FRAUDCASE#id / CASE</c>; one case per
/// payment is a guard item <c>PAYMENT#id / FRAUDCASE</c> (holding the case id) written in the same transaction under
/// <c>attribute_not_exists</c>. Updates are conditional puts on <c>version</c>. The queues query <c>status-index</c>
/// (<c>status</c>, <c>created_key</c>: ticks and id, so newest first is a descending Query).
/// </summary>
internal sealed class DynamoFraudCaseStore(IAmazonDynamoDB client, string tableName) : IFraudCaseStore
{
    internal const string StoreName = "fraud-cases";
    private const string CaseSk = "CASE";
    private const string GuardSk = "FRAUDCASE";
    internal const string StatusIndex = "status-index";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task CreateTableAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        DynamoTables.CreateAsync(client, tableName, DynamoTableDefinitions.FraudCases, cancellationToken);

    public async Task<FraudCaseWriteOutcome> CreateAsync(FraudCase fraudCase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fraudCase);
        var guard = Key(PaymentPk(fraudCase.PaymentId), GuardSk);
        guard["case_id"] = Text(fraudCase.Id.ToString("N"));
        try
        {
            await DynamoErrors.Guard(client.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                ClientRequestToken = Guid.NewGuid().ToString(),
                TransactItems =
                [
                    new() { Put = new Put { TableName = tableName, Item = ToItem(fraudCase), ConditionExpression = "attribute_not_exists(pk)" } },
                    new() { Put = new Put { TableName = tableName, Item = guard, ConditionExpression = "attribute_not_exists(pk)" } },
                ],
            }, cancellationToken), StoreName, cancellationToken);
            return FraudCaseWriteOutcome.Done;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.Any(r => r.Code == "ConditionalCheckFailed") == true)
        {
            return FraudCaseWriteOutcome.Duplicate;
        }
    }

    public async Task<FraudCase?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(CasePk(id), CaseSk), ConsistentRead = true },
            cancellationToken), StoreName, cancellationToken);
        return response.Item is { Count: > 0 } item ? ToCase(item) : null;
    }

    public async Task<FraudCase?> GetByPaymentAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        var response = await DynamoErrors.Guard(client.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(PaymentPk(paymentId), GuardSk), ConsistentRead = true },
            cancellationToken), StoreName, cancellationToken);
        return response.Item is { Count: > 0 } guard && Guid.TryParseExact(guard["case_id"].S, "N", out var caseId) ? await GetAsync(caseId, cancellationToken) : null;
    }

    public async Task<FraudCaseWriteOutcome> UpdateAsync(FraudCase fraudCase, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fraudCase);
        try
        {
            await DynamoErrors.Guard(client.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = ToItem(fraudCase),
                ConditionExpression = "attribute_exists(pk) AND #version = :expected",
                ExpressionAttributeNames = new() { ["#version"] = "version" },
                ExpressionAttributeValues = new() { [":expected"] = Number(expectedVersion) },
            }, cancellationToken), StoreName, cancellationToken);
            return FraudCaseWriteOutcome.Done;
        }
        catch (ConditionalCheckFailedException)
        {
            return await GetAsync(fraudCase.Id, cancellationToken) is null ? FraudCaseWriteOutcome.NotFound : FraudCaseWriteOutcome.VersionConflict;
        }
    }

    public async Task<IReadOnlyList<FraudCase>> ListByStatusAsync(FraudCaseStatus status, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var items = new List<FraudCase>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                IndexName = StatusIndex,
                KeyConditionExpression = "#status = :status",
                ExpressionAttributeNames = new() { ["#status"] = "status" },
                ExpressionAttributeValues = new() { [":status"] = Text(FraudCaseStatuses.Name(status)) },
                ScanIndexForward = false,
                Limit = Math.Min(limit - items.Count, 500),
                ExclusiveStartKey = start,
            }, cancellationToken), StoreName, cancellationToken);
            items.AddRange(response.Items.Select(ToCase));
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null && items.Count < limit);

        return items;
    }

    public async IAsyncEnumerable<Guid> ConfirmedFraudPaymentsAsync(DateTimeOffset openedFrom, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var status in FraudCaseStatuses.ConfirmedFraud)
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                // status-index: one status, created_key (ticks, then id) from the start of the range; only the payment id comes back.
                var response = await DynamoErrors.Guard(client.QueryAsync(new QueryRequest
                {
                    TableName = tableName,
                    IndexName = StatusIndex,
                    KeyConditionExpression = "#status = :status AND created_key >= :from",
                    ExpressionAttributeNames = new() { ["#status"] = "status" },
                    ExpressionAttributeValues = new()
                    {
                        [":status"] = Text(FraudCaseStatuses.Name(status)),
                        [":from"] = Text(openedFrom.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)),
                    },
                    ProjectionExpression = "payment_id",
                    Limit = 1000,
                    ExclusiveStartKey = start,
                }, cancellationToken), StoreName, cancellationToken);
                foreach (var item in response.Items)
                {
                    yield return Guid.ParseExact(item["payment_id"].S, "N");
                }

                start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
        }
    }

    private static string CasePk(Guid id) => "FRAUDCASE#" + id.ToString("N");

    private static string PaymentPk(Guid id) => "PAYMENT#" + id.ToString("N");

    private static Dictionary<string, AttributeValue> ToItem(FraudCase c)
    {
        var item = Key(CasePk(c.Id), CaseSk);
        item["id"] = Text(c.Id.ToString("N"));
        item["payment_id"] = Text(c.PaymentId.ToString("N"));
        item["merchant_id"] = Text(c.MerchantId.ToString("N"));
        item["amount"] = Number(c.Amount);
        item["currency"] = Text(c.Currency);
        item["customer_id"] = Text(c.CustomerId);
        item["score"] = Number(c.Score);
        item["factors"] = Text(JsonSerializer.Serialize(c.Factors, Json));
        item["status"] = Text(FraudCaseStatuses.Name(c.Status));
        item["created_key"] = Text(c.CreatedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "#" + c.Id.ToString("N"));
        SetOptional(item, "assignee_id", c.AssigneeId);
        SetOptional(item, "assignee_name", c.AssigneeName);
        item["notes"] = Text(JsonSerializer.Serialize(c.Notes, Json));
        item["created_at"] = Number(c.CreatedAt.UtcTicks);
        item["due_at"] = Number(c.DueAt.UtcTicks);
        item["updated_at"] = Number(c.UpdatedAt.UtcTicks);
        SetOptional(item, "updated_by", c.UpdatedBy);
        item["version"] = Number(c.Version);
        return item;
    }

    private static FraudCase ToCase(Dictionary<string, AttributeValue> item) => new(
        Guid.ParseExact(item["id"].S, "N"),
        Guid.ParseExact(item["payment_id"].S, "N"),
        Guid.ParseExact(item["merchant_id"].S, "N"),
        Long(item["amount"]),
        item["currency"].S,
        item["customer_id"].S,
        (int)Long(item["score"]),
        JsonSerializer.Deserialize<List<FraudFactor>>(item["factors"].S, Json) ?? [],
        FraudCaseStatuses.Parse(item["status"].S),
        OptionalText(item, "assignee_id"),
        OptionalText(item, "assignee_name"),
        JsonSerializer.Deserialize<List<FraudCaseNote>>(item["notes"].S, Json) ?? [],
        Time(item["created_at"]),
        Time(item["due_at"]),
        Time(item["updated_at"]),
        OptionalText(item, "updated_by"),
        Long(item["version"]));
}
