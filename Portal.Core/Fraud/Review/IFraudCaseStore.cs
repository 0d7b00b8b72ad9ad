namespace Portal.Core.Fraud.Review;

/// <summary>
/// Fraud review cases. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/FraudCaseStoreContract. One case per
/// payment is enforced by the store atomically (SQLite unique index; DynamoDB a guard item in the same transaction).
/// </summary>
public interface IFraudCaseStore : IFraudCaseOutcomes
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

/// <summary>
/// Review outcomes as the backtest reads them: which payments a review decision confirmed as fraud (the case was declined,
/// or the payment refunded as fraud). Served by both case stores from the status index (SQLite <c>ix_fraud_cases_status</c>;
/// DynamoDB <c>status-index</c> with a range condition on <c>created_key</c>), a page at a time, never a scan.
/// </summary>
public interface IFraudCaseOutcomes
{
    /// <summary>
    /// The payment ids of cases opened at or after <paramref name="openedFrom"/> whose status is
    /// <see cref="FraudCaseStatus.Declined"/> or <see cref="FraudCaseStatus.RefundedAsFraud"/>, in no particular order.
    /// A payment created at or after <paramref name="openedFrom"/> can only have a case opened then or later.
    /// </summary>
    IAsyncEnumerable<Guid> ConfirmedFraudPaymentsAsync(DateTimeOffset openedFrom, CancellationToken cancellationToken);
}
