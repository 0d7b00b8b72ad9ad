namespace Portal.Core.Fraud.Rules;

/// <summary>
/// Rule versions and the one draft. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/FraudRuleStoreContract.
/// Published versions are insert-only: no operation changes or removes one.
/// </summary>
public interface IFraudRuleStore
{
    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<FraudRuleVersion>> VersionsAsync(CancellationToken cancellationToken);

    Task<FraudRuleVersion?> LatestAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="first"/> (version 1) unless a version 1 exists; true when this call stored it.</summary>
    Task<bool> SeedAsync(FraudRuleVersion first, CancellationToken cancellationToken);

    Task<FraudRuleDraft?> GetDraftAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Saves the draft when the stored one has revision <paramref name="expectedRevision"/> (0: no draft may exist). False
    /// (nothing written) on a stale revision.
    /// </summary>
    Task<bool> SaveDraftAsync(FraudRuleDraft draft, long expectedRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically stores <paramref name="version"/> (its number must be new) and removes the draft, which must still have
    /// revision <paramref name="expectedDraftRevision"/>. False (nothing written) otherwise.
    /// </summary>
    Task<bool> PublishAsync(FraudRuleVersion version, long expectedDraftRevision, CancellationToken cancellationToken);

    /// <summary>Removes the draft at <paramref name="expectedRevision"/>; false on a stale revision.</summary>
    Task<bool> DiscardDraftAsync(long expectedRevision, CancellationToken cancellationToken);
}
