namespace Portal.Core.Disputes;

/// <summary>
/// Dispute storage. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/DisputeStoreContract. The processor's
/// dispute id is unique per processor (a second create with it is refused atomically, also under concurrency); every
/// update is conditional on the version read.
/// </summary>
public interface IDisputeStore
{
    /// <summary>Stores a new dispute; <see cref="DisputeWriteOutcome.Duplicate"/> when its id or (processor, processor dispute id) exists.</summary>
    Task<DisputeWriteOutcome> CreateAsync(Dispute dispute, CancellationToken cancellationToken);

    /// <summary>Replaces the dispute when its stored version is <paramref name="expectedVersion"/>.</summary>
    Task<DisputeWriteOutcome> UpdateAsync(Dispute dispute, long expectedVersion, CancellationToken cancellationToken);

    Task<Dispute?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Dispute?> GetByProcessorIdAsync(string processor, string processorDisputeId, CancellationToken cancellationToken);

    /// <summary>Newest first (created, then id), keyset-paged; optionally one merchant's and/or one status.</summary>
    Task<DisputePage> ListAsync(DisputeListQuery query, CancellationToken cancellationToken);

    /// <summary>Disputes still needing a response whose deadline is before <paramref name="before"/>, soonest deadline first (the sweep's work).</summary>
    Task<IReadOnlyList<Dispute>> AwaitingResponseDueBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>Disputes that owe webhook events (<see cref="Dispute.PendingEvents"/>) whose oldest owed event is before <paramref name="before"/>, oldest first (the sweep's repair work).</summary>
    Task<IReadOnlyList<Dispute>> OwingEventsSinceBeforeAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>How many disputes of a merchant were opened at or after <paramref name="since"/>.</summary>
    Task<long> CountOpenedSinceAsync(Guid merchantId, DateTimeOffset since, CancellationToken cancellationToken);
}

public enum DisputeWriteOutcome
{
    Done,
    Duplicate,
    VersionConflict,
    NotFound,
}

/// <summary>Keyset position: (created, id) of the last row of the previous page.</summary>
public sealed record DisputeKeyset(DateTimeOffset CreatedAt, Guid Id);

public sealed record DisputeListQuery(Guid? MerchantId = null, DisputeStatus? Status = null, int Limit = 20, DisputeKeyset? After = null);

public sealed record DisputePage(IReadOnlyList<Dispute> Items, DisputeKeyset? Next);
