using Bunit;
using Portal.Components.Payments;
using Portal.Core.Payments;

namespace Portal.Tests.Components.Payments;

/// <summary>The home pages' one-line summary of the last 24 hours.</summary>
public sealed class PaymentsTodaySummaryTests : PaymentsHarness
{
    [Fact]
    public async Task A_merchant_sees_its_own_count_volume_and_success_rate()
    {
        var merchant = await ApprovedMerchantAsync("300001");
        var other = await ApprovedMerchantAsync("300002");
        await PayAsync(merchant, 2500);
        await PayAsync(merchant, 900, SandboxProcessor.InsufficientFunds, customer: "cus_2");
        await PayAsync(other, 99_900);
        SignIn(merchant);

        var summary = Render<PaymentsTodaySummary>();

        summary.WaitForAssertion(() => summary.Find("[data-testid=payments-today]").TextContent.ShouldContain("2 payments in the last 24 hours"));
        var text = summary.Find("[data-testid=payments-today]").TextContent;
        text.ShouldContain("$25.00 succeeded");
        text.ShouldContain("50.0% success");
        text.ShouldNotContain("999.00");
    }

    [Fact]
    public void Before_the_first_payment_it_says_so()
    {
        SignIn(Admin);
        var summary = Render<PaymentsTodaySummary>(p => p.Add(s => s.Empty, "Nothing yet."));
        summary.WaitForAssertion(() => summary.Find("[data-testid=payments-today]").TextContent.Trim().ShouldBe("Nothing yet."));
    }
}
