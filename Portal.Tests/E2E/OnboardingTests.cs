using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>The KYB wizard end to end: a merchant completes it (resuming after sign-out), an admin finds and approves it.</summary>
public sealed class OnboardingTests(BrowserFixture browser)
{
    internal static async Task ChooseAsync(IPage page, string label, string option)
    {
        await page.Locator(".mud-select").Filter(new() { HasText = label }).First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = option }).First.ClickAsync();
        await page.Locator(".mud-popover-open").WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    internal static async Task NextAsync(PortalSession session, string nextTitle)
    {
        await session.Page.ClickAsync("[data-testid=next]");
        await session.Page.Locator("[data-testid=step-title]").Filter(new() { HasText = nextTitle }).WaitForAsync();
    }

    [Fact]
    public async Task A_merchant_completes_the_wizard_and_an_admin_finds_and_approves_it()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (user, merchantActor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);
        var cac = Random.Shared.Next(100_000, 999_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var page = session.Page;
        // Another merchant, so that the admin's search has something to filter out.
        var merchants = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Portal.Core.Merchants.MerchantService>(session.Factory.Services);
        var seeded = await merchants.RegisterAsync(new Portal.Core.Actor("seed", "seed", PortalRoles.Admin, null, null),
            new Portal.Core.Merchants.RegisterMerchantRequest("Other Shop Ltd", "999998", "other@shop.example"));
        seeded.Succeeded.ShouldBeTrue(seeded.Error?.Message);

        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await page.GotoAsync("/onboarding");
        await session.WaitForInteractiveAsync();

        // Step 1: validation as the user types, from the API's own validators.
        await page.GetByLabel("CAC registration number").FillAsync("12ab");
        await page.GetByText("The CAC registration number is exactly 6 digits (0-9).").WaitForAsync();
        await page.GetByLabel("Registered business name").FillAsync("Lagos Crafts Ltd");
        await page.GetByLabel("CAC registration number").FillAsync(cac);
        await ChooseAsync(page, "Business type", "Private limited company (Ltd)");
        await ChooseAsync(page, "Industry", "Retail");
        await page.GetByLabel("Registered address").FillAsync("14 Admiralty Way, Lekki, Lagos");
        await page.GetByLabel("Website (optional)").FillAsync("https://lagoscrafts.example");
        await session.ScreenshotAsync("onboarding-1-business");
        await NextAsync(session, "Contact");
        await page.Locator("[data-testid=saved-at]").WaitForAsync();

        // Step 2, then sign out: the draft must survive.
        await page.GetByLabel("Contact email").FillAsync("Hello@LagosCrafts.example");
        await page.GetByLabel("Contact phone").FillAsync("+234 803 123 4567");
        await session.ScreenshotAsync("onboarding-2-contact");
        await NextAsync(session, "Beneficial owners");
        await session.SignOutAsync();
        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await page.GotoAsync("/onboarding");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=step-title]").Filter(new() { HasText = "Beneficial owners" }).WaitForAsync();

        // Step 3: an owner under 18 is refused on the field as soon as the date is entered, and the step cannot advance.
        await page.GetByLabel("Full name").FillAsync("Adaeze Okafor");
        await page.GetByLabel("Date of birth").FillAsync("2015-01-01");
        await page.GetByLabel("Date of birth").PressAsync("Tab");
        await page.GetByText("Owners must be at least 18 years old.").WaitForAsync();
        await page.GetByLabel("Nationality").FillAsync("Nigerian");
        await page.GetByLabel("Ownership %").FillAsync("100");
        await page.ClickAsync("[data-testid=next]");
        // The step's summary names what stops it (the field shows it too).
        await page.GetByTestId("step-errors").GetByText("Confirm that every person owning 25% or more is listed.").WaitForAsync();
        (await page.Locator("[data-testid=step-title]").InnerTextAsync()).ShouldBe("Beneficial owners");
        await page.GetByLabel("Date of birth").FillAsync("1984-03-09");
        await page.GetByLabel("Date of birth").PressAsync("Tab");
        await Assertions.Expect(page.GetByText("Owners must be at least 18 years old.")).ToHaveCountAsync(0); // field and summary
        await page.GetByLabel("I confirm every person owning 25% or more is listed above.").CheckAsync();
        await session.ScreenshotAsync("onboarding-3-owners");
        await NextAsync(session, "Settlement account");

        // Step 4 and review: the account number is masked once entered.
        await page.GetByLabel("Bank").FillAsync("Zenith Bank");
        await page.GetByLabel("Account name").FillAsync("Lagos Crafts Ltd");
        await page.GetByLabel("Account number (NUBAN)").FillAsync("0123456789");
        await session.ScreenshotAsync("onboarding-4-settlement");
        await NextAsync(session, "Documents");
        await page.Locator("[data-testid=requirements]").WaitForAsync();
        // A limited company needs all four documents before it can submit.
        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "certificate.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("certificate of incorporation") },
            new FilePayload { Name = "director-id.png", MimeType = "image/png", Buffer = TestImages.IdCardPng() },
            new FilePayload { Name = "utility-bill.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("utility bill") },
            new FilePayload { Name = "statement.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("bank statement") },
        });
        await Assertions.Expect(page.Locator("[data-testid=pending-file]")).ToHaveCountAsync(4);
        await page.ClickAsync("[data-testid=upload-all]");
        await Assertions.Expect(page.Locator("[data-testid=requirements] [data-testid=document-state]").Filter(new() { HasText = "Uploaded" })).ToHaveCountAsync(4);
        await NextAsync(session, "Review and submit");
        var review = await page.Locator("[data-testid=review]").InnerTextAsync();
        review.ShouldContain("******6789");
        review.ShouldNotContain("0123456789");
        review.ShouldContain("hello@lagoscrafts.example");
        await session.ScreenshotAsync("onboarding-5-review");
        await page.ClickAsync("[data-testid=submit]");
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Submitted" }).WaitForAsync();
        await page.Locator("[data-testid=merchant-timeline]").GetByText("Submitted for review").WaitForAsync();
        (await page.Locator("[data-testid=kyb-wizard]").CountAsync()).ShouldBe(0);
        await session.ScreenshotAsync("onboarding-6-submitted");
        session.ConsoleErrors.ShouldBeEmpty();
        await session.SignOutAsync();

        // Approval needs every required document accepted: the documents are uploaded and accepted behind the scenes here
        // (KycReviewTests drives that part through the UI).
        var documents = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Portal.Core.Kyc.KycDocumentService>(session.Factory.Services);
        var reviewer = new Portal.Core.Actor("seed-admin", "seed-admin", PortalRoles.Admin, null, null);
        foreach (var requirement in (await documents.RequirementsAsync(merchantActor, merchantActor.MerchantId!.Value))!)
        {
            var uploaded = await documents.UploadAsync(merchantActor, merchantActor.MerchantId!.Value, requirement.Type, new MemoryStream(TestImages.Pdf(requirement.Type.ToString())));
            (await documents.ReviewDocumentAsync(reviewer, merchantActor.MerchantId!.Value, requirement.Type, uploaded.Value!.VersionId, Portal.Core.Kyc.DocumentState.Uploaded, true, null))
                .Succeeded.ShouldBeTrue();
        }

        // The admin finds the merchant by CAC number and approves it.
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await page.GotoAsync("/admin/merchants");
        await session.WaitForInteractiveAsync();
        var rows = page.Locator("[data-testid=merchants-grid] tbody tr");
        // Every merchant so far, the approved demo merchant (Demo Shop Ltd) included.
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await page.GetByPlaceholder("CAC number or business name").FillAsync(cac);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        var row = rows.Filter(new() { HasText = "Lagos Crafts Ltd" });
        await row.WaitForAsync();
        await session.ScreenshotAsync("admin-merchants");
        await row.Locator("[data-testid=open-merchant]").ClickAsync();
        await page.WaitForURLAsync(new Regex("/admin/merchants/[0-9a-f]{32}$"), new() { WaitUntil = WaitUntilState.Commit });

        (await page.Locator("[data-testid=account-number]").InnerTextAsync()).ShouldBe("******6789");
        await page.ClickAsync("[data-testid=reveal-account]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Reveal", Exact = true }).ClickAsync();
        await page.Locator("[data-testid=account-number]").Filter(new() { HasText = "0123456789" }).WaitForAsync();
        await page.ClickAsync("[data-testid=approve]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Approved" }).First.WaitForAsync();
        // Once approved, the case and its documents stay one click away, and no internal counter is shown.
        await Assertions.Expect(page.Locator("[data-testid=open-kyc-case]")).ToBeVisibleAsync();
        (await page.Locator("[data-testid=merchant-subtitle]").InnerTextAsync()).ShouldNotContain("version");
        await session.ScreenshotAsync("admin-merchant-detail");
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
