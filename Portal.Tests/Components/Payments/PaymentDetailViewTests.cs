using Microsoft.Extensions.DependencyInjection;
using Bunit;
using MudBlazor;
using Portal.Components.Payments;
using Portal.Core.Payments;

namespace Portal.Tests.Components.Payments;

/// <summary>The payment detail: fields, fraud factors, timeline, webhook placeholder, refunds.</summary>
public sealed class PaymentDetailViewTests : PaymentsHarness
{
    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderDetail(string id, bool canRefund) => Render(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<MudDialogProvider>(1);
        b.CloseComponent();
        b.OpenComponent<MudSnackbarProvider>(2);
        b.CloseComponent();
        b.OpenComponent<PaymentDetailView>(3);
        b.AddComponentParameter(4, nameof(PaymentDetailView.Id), id);
        b.AddComponentParameter(5, nameof(PaymentDetailView.BackHref), canRefund ? "/payments" : "/admin/transactions");
        b.AddComponentParameter(6, nameof(PaymentDetailView.BackLabel), "Payments");
        b.AddComponentParameter(7, nameof(PaymentDetailView.CanRefund), canRefund);
        b.AddComponentParameter(8, nameof(PaymentDetailView.ShowMerchant), !canRefund);
        b.CloseComponent();
    });

    [Fact]
    public async Task Detail_shows_amounts_fraud_factors_timeline_and_webhook_deliveries()
    {
        var merchant = await ApprovedMerchantAsync("200001");
        var payment = await PayAsync(merchant, 12345, deviceId: "dev_new", country: "NG");
        SignIn(Admin);

        var page = RenderDetail(payment.DisplayId, canRefund: false);

        page.WaitForAssertion(() => page.Find("[data-testid=payment-display-id]").TextContent.ShouldBe(payment.DisplayId));
        page.Find("[data-testid=payment-amount-title]").TextContent.ShouldBe("$123.45");
        page.Find("[data-testid=payment-status]").TextContent.Trim().ShouldBe("Succeeded");
        var factors = page.Find("[data-testid=fraud-factors]").TextContent;
        factors.ShouldContain("unknown_device");
        factors.ShouldContain("+15");
        factors.ShouldContain("First payment from this device.");
        var timeline = page.Find("[data-testid=payment-timeline]").TextContent;
        timeline.ShouldContain(PaymentEventTypes.Initiated);
        timeline.ShouldContain(PaymentEventTypes.Succeeded);
        page.Find("[data-testid=payment-metadata]").TextContent.ShouldContain("c_1");
        page.WaitForAssertion(() => page.Find("[data-testid=webhook-deliveries]").TextContent.ShouldContain("The merchant has no webhook endpoint"));
        page.FindAll("[data-testid=refund]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Blocked_payment_shows_the_fraud_decline_on_its_timeline()
    {
        var merchant = await ApprovedMerchantAsync("200002");
        // Four small payments in a row from one customer: card testing (40) + velocity needs more, so add a new device and a new country.
        for (var i = 0; i < 5; i++)
        {
            await PayAsync(merchant, 100 + i, deviceId: "dev_1", country: "NG");
        }

        var blocked = await PayAsync(merchant, 99, deviceId: "dev_2", country: "US");
        blocked.Status.ShouldBe(PaymentStatus.Blocked);
        SignIn(Admin);

        var page = RenderDetail(blocked.DisplayId, canRefund: false);

        page.WaitForAssertion(() => page.Find("[data-testid=payment-failure]").TextContent.ShouldContain("fraud_blocked"));
        page.Find("[data-testid=payment-timeline]").TextContent.ShouldContain("Blocked by fraud scoring");
        page.Find("[data-testid=fraud-score]").ClassList.ShouldContain("mud-chip-color-error");
    }

    [Fact]
    public async Task Merchant_refunds_in_full_through_the_confirmation_dialog()
    {
        var merchant = await ApprovedMerchantAsync("200003");
        var payment = await PayAsync(merchant, 2500);
        SignIn(merchant);
        var page = RenderDetail(payment.DisplayId, canRefund: true);
        page.WaitForAssertion(() => page.Find("[data-testid=refund]"));

        // The refund button's handler waits for the dialog's answer, so it completes only after the confirmation.
        var opening = page.Find("[data-testid=refund]").ClickAsync(new());
        page.WaitForAssertion(() => page.Find("[data-testid=confirm-refund]").TextContent.ShouldContain("Refund $25.00"));
        await page.Find("[data-testid=confirm-refund]").ClickAsync(new());
        await opening.WaitAsync(TimeSpan.FromSeconds(10));

        page.WaitForAssertion(() =>
        {
            page.Find("[data-testid=refunded-amount]").TextContent.ShouldBe("$25.00");
            page.Find("[data-testid=refunds]").TextContent.ShouldContain("$25.00");
            page.Find("[data-testid=payment-status]").TextContent.Trim().ShouldBe("Refunded");
        });
        (await Store.RefundsAsync(payment.Id, default)).ShouldHaveSingleItem().Amount.ShouldBe(2500);
        page.FindAll("[data-testid=refund]").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_merchant_sees_each_delivery_of_its_payments_events()
    {
        var merchant = await ApprovedMerchantAsync("200006");
        SignIn(merchant);
        var webhooks = Services.GetRequiredService<Portal.Core.Webhooks.WebhookService>();
        var endpoint = await webhooks.CreateEndpointAsync(merchant, new Portal.Core.Webhooks.WebhookEndpointRequest { Url = "https://hooks.shop.example/portal", EnabledEvents = ["*"], Enabled = true });
        endpoint.Succeeded.ShouldBeTrue(endpoint.Error?.Message);
        var payment = await PayAsync(merchant, 4200);
        (await Services.GetRequiredService<Portal.Core.Webhooks.WebhookDispatcher>().DispatchOnceAsync(Store, default)).ShouldBe(2);

        var page = RenderDetail(payment.DisplayId, canRefund: true);

        page.WaitForAssertion(() => page.FindAll("[data-testid=payment-delivery]").Count.ShouldBe(2));
        var deliveries = page.Find("[data-testid=webhook-deliveries]").TextContent;
        deliveries.ShouldContain(PaymentEventTypes.Initiated);
        deliveries.ShouldContain(PaymentEventTypes.Succeeded);
        page.FindAll("button").Count(b => b.TextContent.Contains("Details", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public async Task Staff_see_a_payments_deliveries_read_only_and_other_merchants_see_none()
    {
        var merchant = await ApprovedMerchantAsync("200007");
        var stranger = await ApprovedMerchantAsync("200008");
        SignIn(Admin);
        var webhooks = Services.GetRequiredService<Portal.Core.Webhooks.WebhookService>();
        (await webhooks.CreateEndpointAsync(merchant, new Portal.Core.Webhooks.WebhookEndpointRequest { Url = "https://hooks.shop.example/p", EnabledEvents = ["*"], Enabled = true }))
            .Succeeded.ShouldBeTrue();
        var payment = await PayAsync(merchant, 4300);
        await Services.GetRequiredService<Portal.Core.Webhooks.WebhookDispatcher>().DispatchOnceAsync(Store, default);
        var events = (await Store.ForPaymentAsync(payment.Id, default)).Select(e => e.Id).ToList();

        (await webhooks.DeliveriesOfEventsAsync(stranger, merchant.MerchantId!.Value, events)).ShouldBeEmpty();
        (await webhooks.DeliveriesOfEventsAsync(stranger, stranger.MerchantId!.Value, events)).ShouldBeEmpty();

        var page = RenderDetail(payment.DisplayId, canRefund: false);
        page.WaitForAssertion(() => page.FindAll("[data-testid=payment-delivery]").Count.ShouldBe(2));
        page.FindAll("button").Count(b => b.TextContent.Contains("Details", StringComparison.Ordinal)).ShouldBe(0);
    }

    [Fact]
    public async Task Another_merchants_payment_is_not_found()
    {
        var owner = await ApprovedMerchantAsync("200004");
        var payment = await PayAsync(owner, 900);
        var stranger = await ApprovedMerchantAsync("200005");
        SignIn(stranger);

        var page = RenderDetail(payment.DisplayId, canRefund: true);

        page.WaitForAssertion(() => page.Find("[data-testid=empty-state]").TextContent.ShouldContain("No such payment"));
    }
}
