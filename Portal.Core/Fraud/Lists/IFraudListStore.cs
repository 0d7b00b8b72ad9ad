namespace Portal.Core.Fraud.Lists;

/// <summary>
/// Allow/block list storage. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/FraudListStoreContract.
/// Lists are written by admins (tens to thousands of entries), read whole into the scorer's snapshot on change.
/// </summary>
public interface IFraudListStore
{
    /// <summary>Adds every entry or none (a CSV import is one write). At most <see cref="FraudListService.MaxImportRows"/> entries.</summary>
    Task AddAsync(IReadOnlyList<FraudListEntry> entries, CancellationToken cancellationToken);

    Task<FraudListEntry?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Replaces the entry when its stored version is <paramref name="expectedVersion"/>; false (nothing written) otherwise.</summary>
    Task<bool> UpdateAsync(FraudListEntry entry, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Every entry still in force at <paramref name="at"/> (the scorer's snapshot is built from these).</summary>
    Task<IReadOnlyList<FraudListEntry>> ActiveAsync(DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Newest first, filtered and paged; <paramref name="at"/> decides what counts as expired.</summary>
    Task<FraudListPage> ListAsync(FraudListQuery query, DateTimeOffset at, CancellationToken cancellationToken);
}
