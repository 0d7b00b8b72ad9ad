namespace Portal.Core.Merchants;

/// <summary>
/// Merchant storage. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/MerchantStoreContract.
/// Uniqueness of the CAC number and optimistic concurrency are the store's job, done atomically.
/// </summary>
public interface IMerchantStore
{
    /// <summary>Creates the merchant and its first history entry; DuplicateCac when the CAC number is taken, DuplicateId when the id is.</summary>
    Task<MerchantWriteOutcome> CreateAsync(MerchantRecord merchant, MerchantHistoryEntry created, CancellationToken cancellationToken);

    /// <summary>Replaces the merchant if its stored version is <paramref name="expectedVersion"/>; the record carries the new version.</summary>
    Task<MerchantWriteOutcome> UpdateAsync(MerchantRecord merchant, long expectedVersion, MerchantHistoryEntry change, CancellationToken cancellationToken);

    Task<MerchantRecord?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<MerchantPage> ListAsync(MerchantListQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The review queue (<see cref="MerchantRecord.InQueue"/>): oldest submission first, then id; keyset paging on
    /// (submission time, id). Served from an index in both stores.
    /// </summary>
    Task<MerchantPage> QueueAsync(MerchantQueueQuery query, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<MerchantStatus, long>> CountByStatusAsync(CancellationToken cancellationToken);

    /// <summary>Timeline, oldest first.</summary>
    Task<IReadOnlyList<MerchantHistoryEntry>> HistoryAsync(Guid id, CancellationToken cancellationToken);
}
