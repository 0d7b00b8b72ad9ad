using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Core.Payments;

namespace Portal.Api;

/// <summary>
/// Payment initiation per merchant: a token bucket of <see cref="PaymentOptions.RequestsPerSecondPerMerchant"/>, so one
/// merchant's runaway integration cannot starve the others. Checked after authentication (the merchant is the partition),
/// which is why it is not the middleware's limiter (that runs before authentication and limits sign-in by address).
/// The buckets live in a concurrent dictionary: finding a merchant's bucket takes no lock (the partitioned limiter's
/// shared lock was a fifth of the payment path's lock contention), only the bucket itself serialises its own merchant.
/// </summary>
internal sealed class PaymentRateLimiter(IOptions<PaymentOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, TokenBucketRateLimiter> _buckets = new();

    /// <summary>True when the merchant may make one more payment request now.</summary>
    public bool TryAcquire(Guid merchantId)
    {
        if (!_buckets.TryGetValue(merchantId, out var bucket))
        {
            var created = NewBucket();
            bucket = _buckets.GetOrAdd(merchantId, created);
            if (!ReferenceEquals(bucket, created))
            {
                created.Dispose(); // another request made this merchant's bucket first
            }
        }

        using var lease = bucket.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }

    private TokenBucketRateLimiter NewBucket() => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = options.Value.RequestsPerSecondPerMerchant,
        TokensPerPeriod = options.Value.RequestsPerSecondPerMerchant,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });
}
