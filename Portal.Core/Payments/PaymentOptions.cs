using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Payments;

/// <summary>Payments settings, section <c>Payments</c>.</summary>
public sealed class PaymentOptions
{
    public const string Section = "Payments";

    /// <summary>Accepted currencies, lower-case ISO 4217. NGN (in kobo) first: onboarding is Nigerian (CAC numbers, NUBAN accounts).</summary>
    [MinLength(1)]
    public string[] Currencies { get; set; } = ["ngn", "usd", "eur", "gbp"];

    /// <summary>The largest single payment, in minor units.</summary>
    [Range(1, long.MaxValue)]
    public long MaxAmount { get; set; } = 99_999_999;

    /// <summary><c>sandbox</c> (default, no network) or <c>stripe</c>.</summary>
    [RegularExpression("^(sandbox|stripe)$", ErrorMessage = "Payments:Processor must be 'sandbox' or 'stripe'.")]
    public string Processor { get; set; } = "sandbox";

    /// <summary>Payment initiations per second one merchant may make (a token bucket; bursts up to the same number).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecondPerMerchant { get; set; } = 1000;

    /// <summary>How long an idempotency key's answer is kept.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a request waits for a concurrent request with the same key before answering "in progress".</summary>
    public TimeSpan ConcurrentRequestWait { get; set; } = TimeSpan.FromSeconds(5);
}
