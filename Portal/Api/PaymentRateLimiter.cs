using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Core.Payments;

namespace Portal.Api;

/// <summary>
/// Payment initiation per merchant: a token bucket of <see cref="PaymentOptions.RequestsPerSecondPerMerchant"/>, so one
/// merchant's runaway integration cannot starve the others. Checked after authentication (the merchant is the partition),
/// which is why it is not the middleware's limiter (that runs before authentication and limits sign-in by address).
/// </summary>
internal sealed class PaymentRateLimiter(IOptions<PaymentOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _limiter = PartitionedRateLimiter.Create<Guid, Guid>(merchantId =>
        RateLimitPartition.GetTokenBucketLimiter(merchantId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.RequestsPerSecondPerMerchant,
            TokensPerPeriod = options.Value.RequestsPerSecondPerMerchant,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>True when the merchant may make one more payment request now.</summary>
    public bool TryAcquire(Guid merchantId)
    {
        using var lease = _limiter.AttemptAcquire(merchantId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
