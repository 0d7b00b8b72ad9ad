using FluentValidation;

namespace Portal.Core.Fraud.Rules;

/// <summary>The one set of rule-version rules, used by the API and the draft editor. Names are the API's snake_case fields.</summary>
public sealed class FraudRuleParametersValidator : AbstractValidator<FraudRuleParameters>
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(24);

    public FraudRuleParametersValidator()
    {
        RuleFor(p => p.BlockAbove).InclusiveBetween(1, 1000).OverridePropertyName("block_above").WithMessage("block_above must be between 1 and 1000.");
        RuleFor(p => p.ReviewFrom).InclusiveBetween(1, 1000).OverridePropertyName("review_from").WithMessage("review_from must be between 1 and 1000.");
        RuleFor(p => p.ReviewFrom).Must((p, r) => r <= p.BlockAbove).OverridePropertyName("review_from")
            .WithMessage(p => $"review_from ({p.ReviewFrom}) must not be above block_above ({p.BlockAbove}).");
        Weight(p => p.AmountSpikeWeight, "amount_spike_weight");
        Weight(p => p.VelocityWeight, "velocity_weight");
        Weight(p => p.UnknownDeviceWeight, "unknown_device_weight");
        Weight(p => p.CountryMismatchWeight, "country_mismatch_weight");
        Weight(p => p.CardTestingWeight, "card_testing_weight");
        RuleFor(p => p.AmountSpikeMultiplier).InclusiveBetween(1.0, 1000.0).OverridePropertyName("amount_spike_multiplier")
            .WithMessage("amount_spike_multiplier must be between 1 and 1000.");
        RuleFor(p => p.AmountSpikeMinHistory).InclusiveBetween(1, 1000).OverridePropertyName("amount_spike_min_history")
            .WithMessage("amount_spike_min_history must be between 1 and 1000.");
        RuleFor(p => p.VelocityMaxPayments).InclusiveBetween(1, 1000).OverridePropertyName("velocity_max_payments")
            .WithMessage("velocity_max_payments must be between 1 and 1000.");
        RuleFor(p => p.CardTestingSmallAmount).GreaterThanOrEqualTo(1).OverridePropertyName("card_testing_small_amount")
            .WithMessage("card_testing_small_amount must be at least 1 (minor units).");
        RuleFor(p => p.CardTestingMinSmallPayments).InclusiveBetween(1, 100).OverridePropertyName("card_testing_min_small_payments")
            .WithMessage("card_testing_min_small_payments must be between 1 and 100.");
        Window(p => p.VelocityWindow, "velocity_window_seconds");
        Window(p => p.CardTestingWindow, "card_testing_window_seconds");
    }

    private void Weight(System.Linq.Expressions.Expression<Func<FraudRuleParameters, int>> weight, string name) =>
        RuleFor(weight).InclusiveBetween(0, 1000).OverridePropertyName(name).WithMessage($"{name} must be between 0 and 1000.");

    private void Window(System.Linq.Expressions.Expression<Func<FraudRuleParameters, TimeSpan>> window, string name) =>
        RuleFor(window).Must(w => w >= TimeSpan.FromSeconds(1) && w <= MaxWindow).OverridePropertyName(name)
            .WithMessage($"{name} must be between 1 and {(int)MaxWindow.TotalSeconds} seconds.");
}
