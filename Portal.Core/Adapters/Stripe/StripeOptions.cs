using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Adapters.Stripe;

/// <summary>
/// Stripe settings, section <c>Stripe</c>, read when <c>Payments:Processor</c> is <c>stripe</c>. The secrets come from the
/// environment or a secret store, never from a committed file, and are never logged (validation messages name the field only).
/// </summary>
public sealed class StripeOptions
{
    public const string Section = "Stripe";

    /// <summary>A secret (<c>sk_</c>) or restricted (<c>rk_</c>) API key.</summary>
    [Required]
    [RegularExpression(@"^(sk|rk)_(test|live)_\S+$", ErrorMessage = "Stripe:SecretKey must be a Stripe secret or restricted key (sk_test_..., sk_live_..., rk_...).")]
    public string SecretKey { get; set; } = "";

    /// <summary>The signing secret of the webhook endpoint (<c>whsec_</c>), for <c>Stripe-Signature</c>.</summary>
    [Required]
    [RegularExpression(@"^whsec_\S+$", ErrorMessage = "Stripe:WebhookSecret must be the endpoint's signing secret (whsec_...).")]
    public string WebhookSecret { get; set; } = "";

    /// <summary>Another API host (a mock server); Stripe's own when empty.</summary>
    [Url]
    public string? ApiBase { get; set; }

    /// <summary>Stripe.net retries network failures and 5xx answers itself, with the same idempotency key.</summary>
    [Range(0, 5)]
    public int MaxNetworkRetries { get; set; } = 2;

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 30;
}
