using Portal.Core.Payments;

namespace Portal.Core.Fraud.Rules;

/// <summary>
/// The five rules' weights, thresholds and windows: what a rule version fixes. Version 1 is seeded from the configured
/// <see cref="FraudOptions"/>; later versions are published through a draft.
/// </summary>
public sealed record FraudRuleParameters(
    int BlockAbove,
    int ReviewFrom,
    int AmountSpikeWeight,
    double AmountSpikeMultiplier,
    int AmountSpikeMinHistory,
    int VelocityWeight,
    int VelocityMaxPayments,
    TimeSpan VelocityWindow,
    int UnknownDeviceWeight,
    int CountryMismatchWeight,
    int CardTestingWeight,
    long CardTestingSmallAmount,
    int CardTestingMinSmallPayments,
    TimeSpan CardTestingWindow)
{
    public static FraudRuleParameters From(FraudOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new(o.BlockAbove, o.ReviewFrom, o.AmountSpikeWeight, o.AmountSpikeMultiplier, o.AmountSpikeMinHistory, o.VelocityWeight, o.VelocityMaxPayments,
            o.VelocityWindow, o.UnknownDeviceWeight, o.CountryMismatchWeight, o.CardTestingWeight, o.CardTestingSmallAmount, o.CardTestingMinSmallPayments,
            o.CardTestingWindow);
    }
}

/// <summary>Someone who edited a draft: none of them may publish it (four eyes).</summary>
public sealed record FraudRuleEditor(string UserId, string Name);

/// <summary>A published rule version: never changed once stored.</summary>
public sealed record FraudRuleVersion(
    int Version,
    FraudRuleParameters Parameters,
    IReadOnlyList<FraudRuleEditor> Authors,
    string? PublishedById,
    string PublishedByName,
    DateTimeOffset PublishedAt,
    string? Note);

/// <summary>
/// The one draft (there is at most one): the parameters being edited, the published version it started from, who edited
/// it, and its <see cref="Revision"/> (optimistic concurrency: every save checks it).
/// </summary>
public sealed record FraudRuleDraft(
    FraudRuleParameters Parameters,
    int BasedOn,
    IReadOnlyList<FraudRuleEditor> Editors,
    string? Note,
    DateTimeOffset UpdatedAt,
    long Revision)
{
    public FraudRuleEditor LastEditor => Editors[^1];
}

/// <summary>
/// One published version compiled for scoring: immutable, swapped whole (<see cref="LiveFraudRules"/>), so a payment is
/// scored by exactly one version. The answers that allocate nothing (nothing fired; only "unknown device" fired, whose
/// detail is constant) are built once here.
/// </summary>
public sealed class ScoringRules
{
    public ScoringRules(int version, FraudRuleParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Version = version;
        Parameters = parameters;
        Clean = new FraudAssessment(0, Decide(0), []) { RuleVersion = version };
        UnknownDeviceFactor = new FraudFactor(FraudScorer.UnknownDevice, parameters.UnknownDeviceWeight, "First payment from this device.");
        UnknownDeviceOnly = new FraudAssessment(parameters.UnknownDeviceWeight, Decide(parameters.UnknownDeviceWeight), [UnknownDeviceFactor]) { RuleVersion = version };
    }

    public int Version { get; }

    public FraudRuleParameters Parameters { get; }

    internal FraudAssessment Clean { get; }

    internal FraudAssessment UnknownDeviceOnly { get; }

    internal FraudFactor UnknownDeviceFactor { get; }

    public FraudDecision Decide(int score) =>
        score > Parameters.BlockAbove ? FraudDecision.Block : score >= Parameters.ReviewFrom ? FraudDecision.Review : FraudDecision.Allow;

    public static ScoringRules From(FraudRuleVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return new(version.Version, version.Parameters);
    }
}

/// <summary>The published version the scorer reads: one immutable object, swapped with one reference write.</summary>
public sealed class LiveFraudRules(ScoringRules initial)
{
    private volatile ScoringRules _current = initial ?? throw new ArgumentNullException(nameof(initial));

    public ScoringRules Current => _current;

    /// <summary>Takes <paramref name="next"/> unless a newer version is already live (a slow reload never goes back).</summary>
    public void Swap(ScoringRules next)
    {
        ArgumentNullException.ThrowIfNull(next);
        while (true)
        {
            var current = _current;
            if (current.Version > next.Version)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _current, next, current) == current)
            {
                return;
            }
        }
    }
}
