using Portal.Components.Developers;
using Portal.Core.Webhooks;

namespace Portal.Tests.Components.Developers;

/// <summary>A failing delivery that will be retried says "Retrying", and the payload is shown readable.</summary>
public sealed class WebhookDeliveryFormatTests
{
    private static WebhookDelivery Delivery(WebhookDeliveryStatus status, int attempts) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), "payment.succeeded", """{"id":"evt_1","data":{"amount":100}}""",
            status, attempts, DateTimeOffset.UnixEpoch, null, attempts > 0 ? 500 : null, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_pending_delivery_that_already_failed_is_retrying_and_one_never_tried_is_pending()
    {
        DevelopersFormat.StatusText(Delivery(WebhookDeliveryStatus.Pending, 2)).ShouldBe("Retrying");
        DevelopersFormat.StatusText(Delivery(WebhookDeliveryStatus.Pending, 0)).ShouldBe("Pending");
        DevelopersFormat.StatusText(Delivery(WebhookDeliveryStatus.Failed, 8)).ShouldBe("Failed");
        DevelopersFormat.StatusColor(Delivery(WebhookDeliveryStatus.Pending, 2)).ShouldBe(MudBlazor.Color.Error);
    }

    [Fact]
    public void The_pending_filter_says_it_holds_the_retrying_deliveries()
    {
        DevelopersFormat.FilterText(WebhookDeliveryStatus.Pending).ShouldContain("retrying");
    }

    [Fact]
    public void The_payload_is_indented_json_and_other_text_is_shown_as_stored()
    {
        DevelopersFormat.Payload("""{"id":"evt_1","data":{"amount":100}}""").ShouldContain("\n  \"data\": {");
        DevelopersFormat.Payload("not json").ShouldBe("not json");
    }
}
