using Portal.Core.Merchants;

namespace Portal.Auth;

/// <summary>
/// A merchant whose application was rejected cannot use its API keys: checked on every request, from a status looked
/// up at most <see cref="MaxStaleness"/> ago, so a rejection made anywhere stops the keys within that time.
/// </summary>
internal sealed class MerchantKeyGate(IMerchantStore merchants, TimeProvider clock)
{
    public static readonly TimeSpan MaxStaleness = StaffCredentialCheck.MaxStaleness;

    // null: not registered yet. A new merchant's key must work, to register the business and upload its documents.
    private readonly RecheckCache<MerchantStatus?> _statuses = new(clock, MaxStaleness);

    /// <summary>Why the merchant's keys are refused, or null when they may be used.</summary>
    public async Task<string?> RefusalAsync(Guid merchantId, CancellationToken cancellationToken)
    {
        var status = await _statuses.GetAsync(merchantId.ToString("N"), async (_, ct) => (await merchants.GetAsync(merchantId, ct))?.Status, cancellationToken);
        return status == MerchantStatus.Rejected
            ? "The merchant's application was rejected, so its API keys no longer work. Contact support if you think this is wrong."
            : null;
    }
}
