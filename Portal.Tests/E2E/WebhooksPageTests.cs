using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.Payments;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

public sealed class WebhooksPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_merchant_adds_a_webhook_endpoint_sees_the_secret_once_and_replays_a_delivery()
    {
        var outbox = new FakeEventOutbox();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var session = await PortalSession.StartAsync(browser, f => f.WithServices(s =>
        {
            s.RemoveAll<IEventOutbox>();
            s.AddSingleton<IEventOutbox>(outbox);
        }));
        var (user, actor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);
        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await session.Page.GotoAsync("/developers");
        await session.WaitForInteractiveAsync();

        await session.Page.ClickAsync("[data-testid=create-webhook]");
        var dialog = session.Page.Locator(".mud-dialog");
        await dialog.GetByLabel("Endpoint URL").FillAsync("ftp://nope");
        await dialog.GetByText("Enter an absolute URL", new() { Exact = false }).WaitForAsync();
        await dialog.GetByLabel("Endpoint URL").FillAsync(receiver.BaseUrl + "/ok");
        await dialog.GetByLabel("Description (optional)").FillAsync("orders service");
        await dialog.Locator("[data-testid=confirm-create-webhook]").ClickAsync();

        var secret = await session.Page.Locator("[data-testid=new-webhook-secret]").InnerTextAsync();
        secret.ShouldStartWith("whsec_");
        await session.Page.Locator("[data-testid=webhooks-table]").GetByText(receiver.BaseUrl + "/ok").WaitForAsync();
        await session.ScreenshotAsync("developers-webhook-secret");

        outbox.Add(actor.MerchantId!.Value, PaymentEventTypes.Succeeded);
        session.Factory.Services.GetRequiredService<IWebhookSignal>().Notify();
        for (var i = 0; i < 50 && receiver.Requests.IsEmpty; i++)
        {
            await Task.Delay(100);
        }

        WebhookSigner.Verify(receiver.Requests.Single().Signature, secret, receiver.Requests.Single().Body, DateTimeOffset.UtcNow).ShouldBeTrue();

        await session.Page.ReloadAsync();
        await session.WaitForInteractiveAsync();
        (await session.Page.ContentAsync()).ShouldNotContain(secret); // shown once only
        var status = session.Page.Locator("[data-testid=deliveries-table] [data-testid=delivery-status]").First;
        (await status.InnerTextAsync()).ShouldBe("Succeeded");

        await session.Page.Locator("[data-testid=deliveries-table] [data-testid=open-delivery]").First.ClickAsync();
        var detail = session.Page.Locator(".mud-dialog");
        await detail.Locator("[data-testid=delivery-attempt]").First.WaitForAsync();
        await detail.Locator("[data-testid=replay-delivery]").ClickAsync();
        await detail.Locator("[data-testid=delivery-attempt]").Nth(1).WaitForAsync();
        (await detail.Locator("[data-testid=delivery-attempt]").First.InnerTextAsync()).ShouldContain("replay");
        // The count in the dialog follows the replay, and the payload that was sent is shown.
        await Assertions.Expect(detail.Locator("[data-testid=delivery-attempt-count]")).ToHaveTextAsync("2");
        (await detail.Locator("[data-testid=delivery-payload]").InnerTextAsync()).Trim().ShouldStartWith("{");
        await session.ScreenshotAsync("developers-webhook-delivery");
        receiver.Requests.Count.ShouldBe(2);

        await detail.Locator("[data-testid=close-delivery]").ClickAsync();
        await session.Page.GetByRole(AriaRole.Button, new() { Name = $"Delete {receiver.BaseUrl}/ok" }).ClickAsync();
        await session.Page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await session.Page.GetByText("No webhook endpoints yet").WaitForAsync();
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
