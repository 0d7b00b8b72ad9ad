using Microsoft.Extensions.Options;
using Portal.Core.Payments;

namespace Portal.Core.Fraud;

public enum FraudDecision
{
    Allow,
    Review,
    Block,
}

public sealed record FraudAssessment(int Score, FraudDecision Decision, IReadOnlyList<FraudFactor> Factors);

/// <summary>What scoring looks at in a new payment.</summary>
public sealed record FraudInput(long Amount, string? DeviceId, string? Country, DateTimeOffset At);

/// <summary>
/// Scores a payment before the processor is called, from the customer's running profile only (no query over history),
/// so one evaluation is a few comparisons. The factors that fired are kept with the payment.
/// </summary>
public sealed class FraudScorer(IOptions<FraudOptions> options)
{
    public const string AmountSpike = "amount_spike";
    public const string Velocity = "velocity";
    public const string UnknownDevice = "unknown_device";
    public const string CountryMismatch = "country_mismatch";
    public const string CardTesting = "card_testing";

    public FraudAssessment Assess(FraudInput payment, CustomerProfile? profile)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var o = options.Value;
        var factors = new List<FraudFactor>(5);

        if (profile is { } p && p.PaymentCount >= o.AmountSpikeMinHistory && payment.Amount > o.AmountSpikeMultiplier * p.AverageAmount)
        {
            factors.Add(new FraudFactor(AmountSpike, o.AmountSpikeWeight,
                $"Amount {payment.Amount} is more than {o.AmountSpikeMultiplier:0.#}x the customer's average of {p.AverageAmount:0}."));
        }

        var recent = profile?.Recent ?? [];
        var inVelocityWindow = 1 + recent.Count(r => r.At > payment.At - o.VelocityWindow);
        if (inVelocityWindow > o.VelocityMaxPayments)
        {
            factors.Add(new FraudFactor(Velocity, o.VelocityWeight, $"{inVelocityWindow} payments within {o.VelocityWindow.TotalMinutes:0.#} minutes."));
        }

        if (payment.DeviceId is { } device && profile?.KnownDevices.Contains(device, StringComparer.Ordinal) != true)
        {
            factors.Add(new FraudFactor(UnknownDevice, o.UnknownDeviceWeight, "First payment from this device."));
        }

        if (payment.Country is { } country && profile?.UsualCountry is { } usual && !string.Equals(country, usual, StringComparison.OrdinalIgnoreCase))
        {
            factors.Add(new FraudFactor(CountryMismatch, o.CountryMismatchWeight, $"Country {country} differs from the customer's usual {usual}."));
        }

        if (payment.Amount <= o.CardTestingSmallAmount)
        {
            var small = recent.Count(r => r.At > payment.At - o.CardTestingWindow && r.Amount <= o.CardTestingSmallAmount);
            if (small >= o.CardTestingMinSmallPayments)
            {
                factors.Add(new FraudFactor(CardTesting, o.CardTestingWeight,
                    $"{small + 1} payments of at most {o.CardTestingSmallAmount} within {o.CardTestingWindow.TotalMinutes:0.#} minutes."));
            }
        }

        var score = factors.Sum(f => f.Weight);
        var decision = score > o.BlockAbove ? FraudDecision.Block : score >= o.ReviewFrom ? FraudDecision.Review : FraudDecision.Allow;
        return new FraudAssessment(score, decision, factors);
    }
}
