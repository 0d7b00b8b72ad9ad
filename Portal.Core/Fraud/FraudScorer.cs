using Microsoft.Extensions.Options;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Core.Fraud;

public enum FraudDecision
{
    Allow,
    Review,
    Block,
}

/// <summary>The score, the decision and the factors that fired; <see cref="RuleVersion"/> is the published rule version that scored it.</summary>
public sealed record FraudAssessment(int Score, FraudDecision Decision, IReadOnlyList<FraudFactor> Factors)
{
    public int RuleVersion { get; init; }
}

/// <summary>
/// What scoring looks at in a new payment. <see cref="Email"/> is the customer's address when the merchant sends one
/// (metadata key <see cref="EmailMetadataKey"/>); only its domain is matched.
/// </summary>
public sealed record FraudInput(long Amount, string? DeviceId, string? Country, DateTimeOffset At, Guid? MerchantId = null, string? CustomerId = null,
    string? IpAddress = null, string? Email = null)
{
    public const string EmailMetadataKey = "email";
}

/// <summary>
/// Scores a payment before the processor is called, from the customer's running profile only (no query over history),
/// so one evaluation is a few comparisons. The allow/block lists come first (a block entry blocks, an allow entry skips
/// the rules), then the five rules of the live rule version. The two are immutable snapshots read once per payment, so a
/// publish or a list change never mixes into one evaluation. The common path (nothing fires, or only "unknown device")
/// allocates nothing: its answers are built once per rule version.
/// </summary>
public sealed class FraudScorer
{
    public const string AmountSpike = "amount_spike";
    public const string Velocity = "velocity";
    public const string UnknownDevice = "unknown_device";
    public const string CountryMismatch = "country_mismatch";
    public const string CardTesting = "card_testing";

    private readonly LiveFraudRules _rules;
    private readonly LiveFraudLists _lists;

    public FraudScorer(LiveFraudRules rules, LiveFraudLists lists)
    {
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _lists = lists ?? throw new ArgumentNullException(nameof(lists));
    }

    /// <summary>The configured rules as version 1 and no lists (tests, benchmarks).</summary>
    public FraudScorer(IOptions<FraudOptions> options)
        : this(new LiveFraudRules(new ScoringRules(1, FraudRuleParameters.From((options ?? throw new ArgumentNullException(nameof(options))).Value))), new LiveFraudLists())
    {
    }

    public FraudAssessment Assess(FraudInput payment, CustomerProfile? profile) => Assess(payment, profile, _rules.Current, _lists.Current);

    /// <summary>One evaluation under the given version and lists (the live path passes the current ones; the backtest its own).</summary>
    public static FraudAssessment Assess(FraudInput payment, CustomerProfile? profile, ScoringRules rules, FraudListSnapshot lists)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(lists);
        if (lists.Match(payment) is { } hit)
        {
            return hit.AssessmentFor(rules);
        }

        var o = rules.Parameters;
        var spike = profile is { } p && p.PaymentCount >= o.AmountSpikeMinHistory && payment.Amount > o.AmountSpikeMultiplier * p.AverageAmount;

        var inVelocityWindow = 1;
        var small = 0;
        var isSmall = payment.Amount <= o.CardTestingSmallAmount;
        if (profile?.Recent is { Count: > 0 } recent)
        {
            var velocityFrom = payment.At - o.VelocityWindow;
            var cardTestingFrom = payment.At - o.CardTestingWindow;
            for (var i = 0; i < recent.Count; i++)
            {
                var r = recent[i];
                if (r.At > velocityFrom)
                {
                    inVelocityWindow++;
                }

                if (isSmall && r.At > cardTestingFrom && r.Amount <= o.CardTestingSmallAmount)
                {
                    small++;
                }
            }
        }

        var velocity = inVelocityWindow > o.VelocityMaxPayments;
        var unknownDevice = payment.DeviceId is { } device && !Knows(profile, device);
        var usual = payment.Country is null ? null : UsualCountry(profile);
        var mismatch = payment.Country is { } country && usual is not null && !string.Equals(country, usual, StringComparison.OrdinalIgnoreCase);
        var cardTesting = isSmall && small >= o.CardTestingMinSmallPayments;

        if (!spike && !velocity && !mismatch && !cardTesting)
        {
            return unknownDevice ? rules.UnknownDeviceOnly : rules.Clean;
        }

        var factors = new List<FraudFactor>(5);
        if (spike)
        {
            factors.Add(new FraudFactor(AmountSpike, o.AmountSpikeWeight,
                $"Amount {payment.Amount} is more than {o.AmountSpikeMultiplier:0.#}x the customer's average of {profile!.AverageAmount:0}."));
        }

        if (velocity)
        {
            factors.Add(new FraudFactor(Velocity, o.VelocityWeight, $"{inVelocityWindow} payments within {o.VelocityWindow.TotalMinutes:0.#} minutes."));
        }

        if (unknownDevice)
        {
            factors.Add(rules.UnknownDeviceFactor);
        }

        if (mismatch)
        {
            factors.Add(new FraudFactor(CountryMismatch, o.CountryMismatchWeight, $"Country {payment.Country} differs from the customer's usual {usual}."));
        }

        if (cardTesting)
        {
            factors.Add(new FraudFactor(CardTesting, o.CardTestingWeight,
                $"{small + 1} payments of at most {o.CardTestingSmallAmount} within {o.CardTestingWindow.TotalMinutes:0.#} minutes."));
        }

        var score = 0;
        foreach (var f in factors)
        {
            score += f.Weight;
        }

        return new FraudAssessment(score, rules.Decide(score), factors) { RuleVersion = rules.Version };
    }

    private static bool Knows(CustomerProfile? profile, string device)
    {
        if (profile?.KnownDevices is not { } known)
        {
            return false;
        }

        for (var i = 0; i < known.Count; i++)
        {
            if (string.Equals(known[i], device, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><see cref="CustomerProfile.UsualCountry"/> without LINQ (the stored profile's map is a Dictionary).</summary>
    private static string? UsualCountry(CustomerProfile? profile)
    {
        if (profile is null)
        {
            return null;
        }

        if (profile.Countries is not Dictionary<string, long> countries)
        {
            return profile.UsualCountry;
        }

        string? best = null;
        long most = 0;
        foreach (var (code, count) in countries)
        {
            if (best is null || count > most || (count == most && string.CompareOrdinal(code, best) < 0))
            {
                best = code;
                most = count;
            }
        }

        return best;
    }
}
