using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Payments;

public sealed class StripeWebhooksDisabledTests
{
    [Fact]
    public async Task Without_stripe_as_the_processor_the_webhook_endpoint_is_not_found_and_the_openapi_document_lists_it()
    {
        await using var factory = new PortalFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/api/v1/webhooks/stripe", new StringContent("{}"), TestContext.Current.CancellationToken);

        await response.ShouldBeProblemAsync(404);
        (await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).ShouldContain("/api/v1/webhooks/stripe");
    }
}
