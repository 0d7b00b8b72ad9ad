using Portal.Components.Payments;
using Portal.Components.Shared;
using Portal.Core.Payments;

namespace Portal.Tests.Components.Shared;

/// <summary>One colour per meaning on every chart: red is fraud blocking only, on the bar chart and the decline donut alike.</summary>
public sealed class ChartPaletteTests
{
    [Fact]
    public void Outcomes_have_distinct_colours_and_failed_is_not_the_red_of_blocked()
    {
        var colours = PaymentTimeline.Outcomes.Select(ChartPalette.For).ToList();

        colours.Distinct().Count().ShouldBe(colours.Count);
        ChartPalette.For(PaymentStatus.Failed).ShouldNotBe(ChartPalette.For(PaymentStatus.Blocked));
    }

    [Fact]
    public void The_fraud_blocked_reason_takes_the_blocked_colour_and_no_processor_reason_does()
    {
        string[] reasons = ["insufficient_funds", ChartPalette.FraudBlockedReason, "processing_error", "card_declined"];

        var colours = ChartPalette.ForDeclineReasons(reasons);

        colours[1].ShouldBe(ChartPalette.For(PaymentStatus.Blocked));
        colours.Where((_, i) => i != 1).ShouldAllBe(c => c != ChartPalette.For(PaymentStatus.Blocked) && c != ChartPalette.For(PaymentStatus.Succeeded)
            && c != ChartPalette.For(PaymentStatus.HeldForReview));
        colours.Distinct().Count().ShouldBe(reasons.Length);
    }

    [Fact]
    public void Fraud_blocked_is_red_wherever_it_comes_in_the_list()
    {
        ChartPalette.ForDeclineReasons([ChartPalette.FraudBlockedReason])[0].ShouldBe(ChartPalette.ForDeclineReasons(["insufficient_funds", ChartPalette.FraudBlockedReason])[1]);
    }
}
