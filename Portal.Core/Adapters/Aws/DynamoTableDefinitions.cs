namespace Portal.Core.Adapters.Aws;

/// <summary>A global secondary index of an adapter's table: string hash and range keys, projecting every attribute.</summary>
public sealed record DynamoIndexDefinition(string Name, string HashKey, string RangeKey);

/// <summary>
/// The shape of one DynamoDB table an adapter uses: string <c>pk</c>/<c>sk</c> keys, its GSIs and its TTL attribute.
/// The one definition behind both <see cref="DynamoTables"/> (tables created for DynamoDB Local and first deployments)
/// and <c>infra/</c> (the production tables), so the two cannot drift apart.
/// </summary>
/// <param name="Store">The store's short name (<c>merchants</c>, <c>payments</c>, ...); infra names the table after it.</param>
/// <param name="Indexes">The GSIs, each projecting every attribute.</param>
/// <param name="TtlAttribute">The epoch-seconds attribute DynamoDB's TTL deletes by, if the table has one.</param>
public sealed record DynamoTableDefinition(string Store, IReadOnlyList<DynamoIndexDefinition> Indexes, string? TtlAttribute = null)
{
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";

    /// <summary>Every attribute a key or index reads, each once, keys first (all strings).</summary>
    public IReadOnlyList<string> KeyAttributes =>
        [.. new[] { PartitionKey, SortKey }.Concat(Indexes.SelectMany(i => new[] { i.HashKey, i.RangeKey })).Distinct(StringComparer.Ordinal)];
}

/// <summary>Every table the AWS adapters use.</summary>
public static class DynamoTableDefinitions
{
    public static DynamoTableDefinition Merchants { get; } = new(DynamoMerchantStore.StoreName,
    [
        new(DynamoMerchantStore.EntityTypeIndex, "entity_type", "created_date"),
        new(DynamoMerchantStore.StatusIndex, "status", "created_date"),
        new(DynamoMerchantStore.NameIndex, "entity_type", "name_key"),
        new(DynamoMerchantStore.QueueIndex, "queue", "queued_date"),
    ]);

    public static DynamoTableDefinition Payments { get; } = new(DynamoPaymentStore.StoreName,
    [
        new(DynamoPaymentStore.MerchantCreatedIndex, "merchant_id", "created_key"),
        new(DynamoPaymentStore.CustomerCreatedIndex, "merchant_customer", "created_key"),
        new(DynamoPaymentStore.StatusIndex, "merchant_status", "created_key"),
        new(DynamoPaymentStore.AllCreatedIndex, "all_shard", "created_key"),
        new(DynamoPaymentStore.PaymentEventsIndex, "event_payment", "event_key"),
        new(DynamoPaymentStore.OutboxPendingIndex, "outbox_shard", "event_key"),
    ], DynamoPaymentStore.TtlAttribute);

    public static DynamoTableDefinition Disputes { get; } = new(DynamoDisputeStore.StoreName,
    [
        new(DynamoDisputeStore.EntityTypeIndex, "entity_type", "created_key"),
        new(DynamoDisputeStore.MerchantIndex, "merchant_id", "created_key"),
        new(DynamoDisputeStore.StatusIndex, "status", "created_key"),
        new(DynamoDisputeStore.DueIndex, "due_partition", "due_key"),
        new(DynamoDisputeStore.PendingIndex, "pending_partition", "pending_key"),
    ]);

    public static DynamoTableDefinition FraudCases { get; } = new(DynamoFraudCaseStore.StoreName,
    [
        new(DynamoFraudCaseStore.StatusIndex, "status", "created_key"),
    ]);

    public static DynamoTableDefinition Fraud { get; } = new(DynamoFraudStore.StoreName, []);

    /// <summary>The audit log: one GSI per explorer filter, each ordered by the event's sequence (fixed-width text).</summary>
    public static DynamoTableDefinition Audit { get; } = new(DynamoAuditLog.StoreName,
        [.. DynamoAuditLog.Indexes.Select(i => new DynamoIndexDefinition(i.Index, i.Attribute, "seq"))]);

    public static IReadOnlyList<DynamoTableDefinition> All { get; } = [Merchants, Payments, Disputes, FraudCases, Fraud, Audit];
}
