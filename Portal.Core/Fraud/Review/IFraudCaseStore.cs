namespace Portal.Core.Fraud.Review;

/// <summary>
/// Fraud review cases. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/FraudCaseStoreContract. One case per
/// payment is enforced by the store atomically (SQLite unique index; DynamoDB a guard item in the same transaction).
/// </summary>
public interface IFraudCaseStore
{
    /// <summary><see cref="FraudCaseWriteOutcome.Duplicate"/> when the payment already has a case or the id is taken; nothing is written then.</summary>
    Task<FraudCaseWriteOutcome> CreateAsync(FraudCase fraudCase, CancellationToken cancellationToken);

    Task<FraudCase?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<FraudCase?> GetByPaymentAsync(Guid paymentId, CancellationToken cancellationToken);

    /// <summary>Replaces the stored case when its version is <paramref name="expectedVersion"/>; otherwise nothing changes.</summary>
    Task<FraudCaseWriteOutcome> UpdateAsync(FraudCase fraudCase, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Cases in one status, newest first, at most <paramref name="limit"/> (an index query, never a scan).</summary>
    Task<IReadOnlyList<FraudCase>> ListByStatusAsync(FraudCaseStatus status, int limit, CancellationToken cancellationToken);
}
