using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Fraud;

/// <summary>
/// Fraud rules of seed 001 with their weights and thresholds, section <c>Fraud</c>. A score above
/// <see cref="BlockAbove"/> declines the payment (<c>fraud_blocked</c>); a score from <see cref="ReviewFrom"/> up to it
/// holds the payment for review.
/// </summary>
public sealed class FraudOptions : IValidatableObject
{
    public const string Section = "Fraud";

    [Range(1, 1000)]
    public int BlockAbove { get; set; } = 80;

    [Range(1, 1000)]
    public int ReviewFrom { get; set; } = 70;

    /// <summary>Amount above <see cref="AmountSpikeMultiplier"/> times the customer's average.</summary>
    [Range(0, 1000)]
    public int AmountSpikeWeight { get; set; } = 25;

    [Range(1.0, 1000.0)]
    public double AmountSpikeMultiplier { get; set; } = 3;

    /// <summary>The average means something only after a few payments.</summary>
    [Range(1, 1000)]
    public int AmountSpikeMinHistory { get; set; } = 3;

    /// <summary>More than <see cref="VelocityMaxPayments"/> payments in <see cref="VelocityWindow"/> (this one included).</summary>
    [Range(0, 1000)]
    public int VelocityWeight { get; set; } = 30;

    [Range(1, 1000)]
    public int VelocityMaxPayments { get; set; } = 5;

    public TimeSpan VelocityWindow { get; set; } = TimeSpan.FromMinutes(5);

    [Range(0, 1000)]
    public int UnknownDeviceWeight { get; set; } = 15;

    [Range(0, 1000)]
    public int CountryMismatchWeight { get; set; } = 20;

    /// <summary>
    /// Card testing: this payment and at least <see cref="CardTestingMinSmallPayments"/> earlier ones within
    /// <see cref="CardTestingWindow"/> are all at most <see cref="CardTestingSmallAmount"/> minor units.
    /// </summary>
    [Range(0, 1000)]
    public int CardTestingWeight { get; set; } = 40;

    [Range(1, long.MaxValue)]
    public long CardTestingSmallAmount { get; set; } = 500;

    [Range(1, 100)]
    public int CardTestingMinSmallPayments { get; set; } = 3;

    public TimeSpan CardTestingWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often each instance re-reads the published rule version and the allow/block lists (changes made through this
    /// instance apply at once; this bounds how late another instance sees them).
    /// </summary>
    public TimeSpan SnapshotRefresh { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReviewFrom > BlockAbove)
        {
            yield return new ValidationResult($"Fraud:ReviewFrom ({ReviewFrom}) must not be above Fraud:BlockAbove ({BlockAbove}).", [nameof(ReviewFrom)]);
        }

        if (VelocityWindow <= TimeSpan.Zero || CardTestingWindow <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Fraud:VelocityWindow and Fraud:CardTestingWindow must be positive.", [nameof(VelocityWindow)]);
        }

        if (SnapshotRefresh < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Fraud:SnapshotRefresh must be at least one second.", [nameof(SnapshotRefresh)]);
        }
    }
}
