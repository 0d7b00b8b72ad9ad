using Bunit;
using MudBlazor.Services;
using Portal.Components.Merchants;
using Portal.Core.Merchants;
using Portal.Core.Payments;

namespace Portal.Tests.Components.Merchants;

/// <summary>The merchant record's sections: the risk figures, the filterable timeline and the payment rows (links for admins only).</summary>
public sealed class MerchantRecordSectionsTests : BunitContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    public MerchantRecordSectionsTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Risk_summary_shows_the_rates_and_the_last_payment_and_a_dash_for_an_unknown_rate()
    {
        var risk = Render<MerchantRiskPanel>(p => p.Add(c => c.Risk, new MerchantRiskSummary(MerchantStatus.Approved, 1.25, null, T0, TimeSpan.FromDays(30))));

        risk.Find("[data-testid=risk-dispute-rate]").TextContent.ShouldBe("1.25 %");
        risk.Find("[data-testid=risk-block-rate]").TextContent.ShouldBe("—");
        risk.Find("[data-testid=risk-last-payment]").TextContent.ShouldBe("2026-11-29 09:00 UTC");
        risk.Find("[data-testid=merchant-status]").TextContent.ShouldBe("Approved");
        risk.Markup.ShouldContain("Dispute rate (30 days)");
    }

    [Fact]
    public void Timeline_shows_every_kind_until_a_filter_chip_narrows_it()
    {
        MerchantRecordEntry[] entries =
        [
            new(T0.AddMinutes(3), MerchantRecordKind.Payment, "Payment GBP 12.00 Succeeded", null, "/admin/transactions/pay_1"),
            new(T0.AddMinutes(2), MerchantRecordKind.Audit, "merchant.read", "admin · Success", null),
            new(T0.AddMinutes(1), MerchantRecordKind.Kyb, "approved", "admin", "/admin/kyc/1"),
        ];
        var timeline = Render<MerchantRecordTimeline>(p => p.Add(c => c.Entries, entries).Add(c => c.Links, true));
        timeline.FindAll("[data-testid=record-timeline-entry]").Count.ShouldBe(3);

        timeline.Find("[data-testid=timeline-filter-Payment]").Click();

        timeline.WaitForAssertion(() => timeline.FindAll("[data-testid=record-timeline-entry]").Select(e => e.GetAttribute("data-kind")).ShouldBe(["Payment"]));
        timeline.Find("[data-testid=record-timeline-entry] a").GetAttribute("href").ShouldBe("/admin/transactions/pay_1");
    }

    [Fact]
    public void Timeline_without_links_reads_the_same_entries_as_plain_text()
    {
        var timeline = Render<MerchantRecordTimeline>(p => p.Add(c => c.Entries, [new(T0, MerchantRecordKind.Dispute, "Dispute dsp_1 opened", null, "/admin/disputes/dsp_1")]));

        timeline.Find("[data-testid=record-timeline-entry]").TextContent.ShouldContain("Dispute dsp_1 opened");
        timeline.FindAll("[data-testid=record-timeline-entry] a").ShouldBeEmpty();
    }

    [Fact]
    public void Payment_rows_link_to_the_payment_only_when_asked()
    {
        var payment = new Payment(Guid.CreateVersion7(), Guid.CreateVersion7(), 1200, "gbp", "cus_1", "pm_card_visa", null, null, null, null,
            new Dictionary<string, string>(), PaymentStatus.Blocked, "fraud_blocked", null, false, 91, [], null, null, 0, "k", T0, T0, 1);

        var linked = Render<PaymentRows>(p => p.Add(c => c.Payments, [payment]).Add(c => c.Links, true));
        var plain = Render<PaymentRows>(p => p.Add(c => c.Payments, [payment]));

        linked.Find("a").GetAttribute("href").ShouldBe($"/admin/transactions/{payment.DisplayId}");
        linked.Markup.ShouldContain("GBP 12.00");
        linked.Find("[data-testid=payment-status]").TextContent.ShouldNotBeEmpty();
        plain.FindAll("a").ShouldBeEmpty();
        plain.Markup.ShouldContain(payment.DisplayId);
    }
}
