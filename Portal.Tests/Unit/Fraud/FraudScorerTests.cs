using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Portal.Core.Fraud;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Fraud;

/// <summary>Seed 001's five rules, the score thresholds, and what a customer profile learns from each attempt.</summary>
public sealed class FraudScorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Merchant = Guid.CreateVersion7();

    private static FraudScorer Scorer(FraudOptions? options = null) => new(Options.Create(options ?? new FraudOptions()));

    private static CustomerProfile Profile(params PaymentActivity[] history) =>
        history.Aggregate(CustomerProfile.Empty(Merchant, "cus_1"), (p, a) => p.With(a));

    private static PaymentActivity Paid(long amount, TimeSpan ago, string? device = "dev_home", string? country = "NG", bool passedScreening = true) =>
        new(Merchant, "cus_1", amount, device, country, Now - ago, passedScreening);

    private static string[] Rules(FraudAssessment a) => [.. a.Factors.Select(f => f.Rule).Order()];

    [Fact]
    public void A_regular_customer_paying_as_usual_scores_zero()
    {
        var profile = Profile(Paid(2000, TimeSpan.FromDays(3)), Paid(2500, TimeSpan.FromDays(2)), Paid(1500, TimeSpan.FromDays(1)));

        var a = Scorer().Assess(new FraudInput(2200, "dev_home", "NG", Now), profile);

        a.Score.ShouldBe(0);
        a.Decision.ShouldBe(FraudDecision.Allow);
        a.Factors.ShouldBeEmpty();
    }

    [Fact]
    public void Each_rule_adds_its_configured_weight()
    {
        var history = Profile(Paid(1000, TimeSpan.FromDays(3)), Paid(1000, TimeSpan.FromDays(2)), Paid(1000, TimeSpan.FromDays(1)));
        var scorer = Scorer();

        Rules(scorer.Assess(new FraudInput(3001, "dev_home", "NG", Now), history)).ShouldBe([FraudScorer.AmountSpike]);
        scorer.Assess(new FraudInput(3000, "dev_home", "NG", Now), history).Score.ShouldBe(0); // exactly 3x is not above it
        scorer.Assess(new FraudInput(1000, "dev_new", "NG", Now), history).Score.ShouldBe(15);
        scorer.Assess(new FraudInput(1000, "dev_home", "GB", Now), history).Score.ShouldBe(20);

        var busy = Profile([.. Enumerable.Range(1, 5).Select(i => Paid(1000, TimeSpan.FromSeconds(30 * i)))]);
        var sixth = scorer.Assess(new FraudInput(1000, "dev_home", "NG", Now), busy);
        Rules(sixth).ShouldBe([FraudScorer.Velocity]);
        sixth.Score.ShouldBe(30);
        var outsideWindow = Profile([.. Enumerable.Range(1, 5).Select(i => Paid(1000, TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(i)))]);
        scorer.Assess(new FraudInput(1000, "dev_home", "NG", Now), outsideWindow).Score.ShouldBe(0);

        var smalls = Profile([.. Enumerable.Range(1, 3).Select(i => Paid(100, TimeSpan.FromMinutes(i)))]);
        Rules(scorer.Assess(new FraudInput(100, "dev_home", "NG", Now), smalls)).ShouldBe([FraudScorer.CardTesting]);
        Rules(scorer.Assess(new FraudInput(501, "dev_home", "NG", Now), smalls)).ShouldNotContain(FraudScorer.CardTesting); // not a small amount itself
    }

    [Theory]
    [InlineData(69, FraudDecision.Allow)]
    [InlineData(70, FraudDecision.Review)]
    [InlineData(80, FraudDecision.Review)]
    [InlineData(81, FraudDecision.Block)]
    public void Above_80_blocks_and_70_to_80_holds(int score, FraudDecision expected)
    {
        // One rule carrying the whole score puts it exactly on each boundary.
        var a = Scorer(new FraudOptions { UnknownDeviceWeight = score }).Assess(new FraudInput(1000, "dev_new", null, Now), null);

        a.Score.ShouldBe(score);
        a.Decision.ShouldBe(expected);
    }

    [Fact]
    public void Blocked_attempts_count_toward_velocity_but_do_not_teach_devices_countries_or_the_average()
    {
        var profile = Profile(Paid(1000, TimeSpan.FromDays(2)), Paid(1000, TimeSpan.FromDays(1)), Paid(1000, TimeSpan.FromHours(1)),
            Paid(90_000, TimeSpan.FromMinutes(1), device: "dev_fraud", country: "RU", passedScreening: false));

        profile.KnownDevices.ShouldNotContain("dev_fraud");
        profile.UsualCountry.ShouldBe("NG");
        profile.AverageAmount.ShouldBe(1000);
        profile.Recent.Count.ShouldBe(4);

        var retry = Scorer().Assess(new FraudInput(90_000, "dev_fraud", "RU", Now), profile);
        Rules(retry).ShouldBe([FraudScorer.AmountSpike, FraudScorer.CountryMismatch, FraudScorer.UnknownDevice]);
    }

    [Fact]
    public void A_review_threshold_above_the_block_threshold_is_refused()
    {
        var options = new FraudOptions { ReviewFrom = 90, BlockAbove = 80 };
        var results = new List<ValidationResult>();

        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true).ShouldBeFalse();
        results.ShouldContain(r => r.ErrorMessage!.Contains("Fraud:ReviewFrom"));
    }
}
