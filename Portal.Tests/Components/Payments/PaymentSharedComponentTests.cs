using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core;
using Money = Portal.Components.Shared.Money;
using Portal.Components.Payments;
using Portal.Components.Shared;
using Portal.Core.Payments;

namespace Portal.Tests.Components.Payments;

/// <summary>The payment status chip, the fraud score chip and money formatting.</summary>
public sealed class PaymentSharedComponentTests : BunitContext
{
    public PaymentSharedComponentTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(new Portal.Core.Fraud.Rules.LiveFraudRules(new Portal.Core.Fraud.Rules.ScoringRules(1, Portal.Core.Fraud.Rules.FraudRuleParameters.From(new Portal.Core.Fraud.FraudOptions()))));
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Theory]
    [InlineData(PaymentStatus.Pending, "Pending", "info")]
    [InlineData(PaymentStatus.Succeeded, "Succeeded", "success")]
    [InlineData(PaymentStatus.Failed, "Failed", "warning")]
    [InlineData(PaymentStatus.Blocked, "Blocked", "error")]
    [InlineData(PaymentStatus.HeldForReview, "Held for review", "info")]
    [InlineData(PaymentStatus.PartiallyRefunded, "Partially refunded", "secondary")]
    [InlineData(PaymentStatus.Refunded, "Refunded", "default")]
    [InlineData(PaymentStatus.Disputed, "Disputed", "tertiary")]
    public void Payment_status_chip_has_one_label_and_colour_per_status(PaymentStatus status, string label, string colour)
    {
        var chip = Render<PaymentStatusChip>(p => p.Add(c => c.Status, status));

        var element = chip.Find("[data-testid=payment-status]");
        element.TextContent.Trim().ShouldBe(label);
        element.ClassList.ShouldContain($"mud-chip-color-{colour}");
    }

    [Fact]
    public void Every_status_has_a_colour_mapping()
    {
        foreach (var status in Enum.GetValues<PaymentStatus>())
        {
            PaymentStatusChip.Label(status).ShouldNotBeNullOrWhiteSpace();
            Should.NotThrow(() => PaymentStatusChip.ColorFor(status));
        }
    }

    [Theory]
    [InlineData(1234L, "usd", "$12.34")]
    [InlineData(1234L, "EUR", "€12.34")]
    [InlineData(5L, "gbp", "£0.05")]
    [InlineData(123456789L, "usd", "$1,234,567.89")]
    [InlineData(1234L, "xyz", "12.34 XYZ")]
    [InlineData(0L, "usd", "$0.00")]
    [InlineData(-250L, "eur", "-€2.50")]
    [InlineData(1500L, "jpy", "1,500 JPY")]
    [InlineData(125000L, "ngn", "₦1,250.00")]
    [InlineData(-5L, "NGN", "-₦0.05")]
    [InlineData(1250L, "kwd", "1.250 KWD")]
    [InlineData(long.MinValue, "usd", "-$92,233,720,368,547,758.08")]
    public void Money_formats_minor_units_with_the_currency_symbol(long minor, string currency, string expected) =>
        Money.Format(minor, currency).ShouldBe(expected);

    [Fact]
    public void Money_converts_typed_amounts_to_minor_units_exactly()
    {
        Money.ToMinor(12.34m, "usd").ShouldBe(1234);
        Money.ToMinor(0.1m + 0.2m, "usd").ShouldBe(30);
        Money.ToMinor(12.345m, "usd").ShouldBeNull();
        Money.ToMinor(1500m, "jpy").ShouldBe(1500);
        Money.ToMinor(15.5m, "jpy").ShouldBeNull();
        Money.ToMajor(1234, "gbp").ShouldBe(12.34m);
        Money.ToMinor(1250.5m, "ngn").ShouldBe(125050); // kobo
        Money.ToMinor(1.25m, "kwd").ShouldBe(1250); // three decimals: fils
        Money.ToMinor(1.2345m, "kwd").ShouldBeNull();
        Money.ToMajor(1250, "kwd").ShouldBe(1.25m);
        Money.InputFormat("kwd").ShouldBe("0.000");
        Money.InputFormat("jpy").ShouldBe("0");
    }

    [Theory]
    [InlineData(0, "success")]
    [InlineData(69, "success")]
    [InlineData(70, "warning")]
    [InlineData(80, "warning")]
    [InlineData(81, "error")]
    [InlineData(105, "error")]
    public void Fraud_chip_is_coloured_by_the_rules_bands_review_from_70_and_block_above_80(int score, string colour)
    {
        var chip = Render<FraudScoreChip>(p => p.Add(c => c.Score, score));

        var element = chip.Find("[data-testid=fraud-score]");
        element.TextContent.Trim().ShouldBe(score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        element.ClassList.ShouldContain($"mud-chip-color-{colour}");
        // A score past 100 is explained, not shown as if it were a percentage.
        (element.GetAttribute("aria-label") ?? "").ShouldContain("review from 70, blocked above 80");
    }

    [Fact]
    public void Fraud_chip_lists_the_factors_in_its_tooltip()
    {
        FraudFactor[] factors = [new("velocity", 30, "7 payments in 5 minutes"), new("unknown_device", 15, "device dev_9 not seen before")];
        var host = Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<FraudScoreChip>(1);
            b.AddComponentParameter(2, nameof(FraudScoreChip.Score), 45);
            b.AddComponentParameter(3, nameof(FraudScoreChip.Factors), (IReadOnlyList<FraudFactor>)factors);
            b.CloseComponent();
        });

        host.Find(".mud-tooltip-root").PointerEnter();

        host.WaitForAssertion(() =>
        {
            var tooltip = host.Find("[data-testid=fraud-factors-tooltip]").TextContent;
            tooltip.ShouldContain("velocity");
            tooltip.ShouldContain("+30");
            tooltip.ShouldContain("7 payments in 5 minutes");
            tooltip.ShouldContain("unknown_device");
            host.Find("[data-testid=fraud-scale]").TextContent.ShouldContain("not a percentage");
        });
    }

    [Fact]
    public void Kpis_sum_volume_per_currency_success_rate_and_decline_reasons()
    {
        var minute = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        PaymentStatsBucket[] buckets =
        [
            new(minute, PaymentStatus.Succeeded, null, "usd", 6, 6000),
            new(minute.AddMinutes(1), PaymentStatus.Succeeded, null, "usd", 2, 500),
            new(minute, PaymentStatus.Succeeded, null, "eur", 1, 999),
            new(minute, PaymentStatus.Failed, "insufficient_funds", "usd", 1, 100),
            new(minute, PaymentStatus.Blocked, "fraud_blocked", "usd", 1, 100),
            new(minute, PaymentStatus.HeldForReview, null, "usd", 3, 300),
        ];

        var kpis = PaymentKpis.From(buckets);

        kpis.Volume.ShouldBe([new CurrencyAmount("usd", 6500), new CurrencyAmount("eur", 999)]);
        kpis.Count.ShouldBe(14);
        kpis.SuccessRate.ShouldBe(9.0 / 11);
        kpis.Blocked.ShouldBe(1);
        kpis.Held.ShouldBe(3);
        kpis.DeclineReasons.Select(r => r.Reason).ShouldBe(["fraud_blocked", "insufficient_funds"]);
        PaymentKpis.Empty.SuccessRate.ShouldBeNull();
    }

    [Fact]
    public void Timeline_puts_each_minute_in_its_slot_and_ignores_older_ones()
    {
        var now = new DateTimeOffset(2026, 11, 25, 10, 30, 20, TimeSpan.Zero);
        PaymentStatsBucket[] buckets =
        [
            new(now.AddSeconds(-20), PaymentStatus.Succeeded, null, "usd", 4, 400),
            new(now.AddMinutes(-59).AddSeconds(-20), PaymentStatus.Failed, "processing_error", "usd", 2, 200),
            new(now.AddHours(-2), PaymentStatus.Succeeded, null, "usd", 9, 900),
        ];

        var timeline = PaymentTimeline.Build(buckets, now, TimeSpan.FromMinutes(1), 60);

        timeline.Slots.Count.ShouldBe(60);
        timeline.Slots[^1].ShouldBe(new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero));
        timeline.Counts[PaymentStatus.Succeeded][^1].ShouldBe(4);
        timeline.Counts[PaymentStatus.Failed][0].ShouldBe(2);
        timeline.Counts[PaymentStatus.Succeeded].Sum().ShouldBe(4);
    }

    [Fact]
    public void Refund_amount_must_be_positive_at_most_two_decimals_and_not_above_what_is_left()
    {
        var payment = new Payment(Guid.CreateVersion7(), Guid.CreateVersion7(), 1000, "usd", "cus_1", "pm_card_visa", null, null, null, null, new Dictionary<string, string>(),
            PaymentStatus.PartiallyRefunded, null, null, false, 10, [], "sandbox", "sbx_1", 400, "k", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 3);

        RefundDialog.RefundAmountError(null, payment).ShouldNotBeNull();
        RefundDialog.RefundAmountError(0m, payment).ShouldNotBeNull();
        RefundDialog.RefundAmountError(1.234m, payment)!.ShouldContain("two decimal places");
        RefundDialog.RefundAmountError(6.01m, payment)!.ShouldContain("$6.00");
        RefundDialog.RefundAmountError(6m, payment).ShouldBeNull();
        RefundDialog.RefundAmountError(0.01m, payment).ShouldBeNull();
    }

    [Fact]
    public void A_merchant_filter_reads_only_the_one_wire_form_of_an_id()
    {
        var id = Guid.CreateVersion7();
        LivePaymentsGrid.ParseMerchantId(new MerchantId(id).ToString()).ShouldBe(id);
        LivePaymentsGrid.ParseMerchantId($"  {new MerchantId(id)} ").ShouldBe(id);
        LivePaymentsGrid.ParseMerchantId(id.ToString()).ShouldBeNull();
        LivePaymentsGrid.ParseMerchantId(new MerchantId(id).ToString().ToUpperInvariant()).ShouldBeNull();
        LivePaymentsGrid.ParseMerchantId("mer_123").ShouldBeNull();
    }
}
