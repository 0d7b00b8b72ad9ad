using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Core.Merchants;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>
/// The KYC review end to end: a merchant completes KYB with its documents; an admin takes the case from the queue, views a
/// document, rejects one and asks for more information (meeting another admin's change on the way); the merchant reads the
/// message and uploads again; the admin accepts everything and approves; the merchant sees Approved.
/// </summary>
public sealed class KycReviewTests(BrowserFixture browser)
{
    private const string Business = "Ikeja Leather Works";

    private static ILocator Doc(IPage page, string type) => page.Locator($"[data-testid=case-doc-{type}]");

    private static async Task CompleteWizardAsync(PortalSession session, string cac)
    {
        var page = session.Page;
        await page.GotoAsync("/onboarding");
        await session.WaitForInteractiveAsync();
        await page.GetByLabel("Registered business name").FillAsync(Business);
        await page.GetByLabel("CAC registration number").FillAsync(cac);
        await OnboardingTests.ChooseAsync(page, "Business type", "Sole proprietorship");
        await OnboardingTests.ChooseAsync(page, "Industry", "Retail");
        await page.GetByLabel("Registered address").FillAsync("3 Allen Avenue, Ikeja, Lagos");
        await OnboardingTests.NextAsync(session, "Contact");
        await page.GetByLabel("Contact email").FillAsync("owner@ikejaleather.example");
        await page.GetByLabel("Contact phone").FillAsync("+234 802 555 0101");
        await OnboardingTests.NextAsync(session, "Beneficial owners");
        await page.GetByLabel("Full name").FillAsync("Tunde Bakare");
        await page.GetByLabel("Date of birth").FillAsync("1979-06-21");
        await page.GetByLabel("Date of birth").PressAsync("Tab");
        await page.GetByLabel("Nationality").FillAsync("Nigerian");
        await page.GetByLabel("Ownership %").FillAsync("100");
        await page.GetByLabel("I confirm every person owning 25% or more is listed above.").CheckAsync();
        await OnboardingTests.NextAsync(session, "Settlement account");
        await page.GetByLabel("Bank").FillAsync("Access Bank");
        await page.GetByLabel("Account name").FillAsync(Business);
        await page.GetByLabel("Account number (NUBAN)").FillAsync("0987654321");
        await OnboardingTests.NextAsync(session, "Documents");

        // The documents step reuses the Documents page's uploader: three files at once, each matched to a requirement in order.
        await page.Locator("[data-testid=requirements]").WaitForAsync();
        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "director-id.png", MimeType = "image/png", Buffer = TestImages.IdCardPng() },
            new FilePayload { Name = "utility-bill.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("utility bill") },
            new FilePayload { Name = "statement.pdf", MimeType = "application/pdf", Buffer = TestImages.Pdf("bank statement") },
        });
        await Assertions.Expect(page.Locator("[data-testid=pending-file]")).ToHaveCountAsync(3);
        await page.ClickAsync("[data-testid=upload-all]");
        await Assertions.Expect(page.Locator("[data-testid=pending-file]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=requirements] [data-testid=document-state]").Filter(new() { HasText = "Uploaded" })).ToHaveCountAsync(3);
        await OnboardingTests.NextAsync(session, "Review and submit");
        await page.ClickAsync("[data-testid=submit]");
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Submitted" }).WaitForAsync();
    }

    /// <summary>Three other cases submitted 60, 30 and 5 hours ago (red, amber, green), so the queue's order and SLA show.</summary>
    private static async Task SeedQueueAsync(IServiceProvider services)
    {
        var merchants = services.GetRequiredService<MerchantService>();
        var store = services.GetRequiredService<IMerchantStore>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var staff = new Portal.Core.Actor("seed", "seed", PortalRoles.Admin, null, null);
        var seeds = new (string Name, int Hours, MerchantStatus Status, string? Assignee)[]
        {
            ("Abuja Organic Foods", 60, MerchantStatus.InReview, "bola@portal.example"),
            ("Kano Textiles Ltd", 30, MerchantStatus.MoreInformationRequested, null),
            ("Enugu Solar Co", 5, MerchantStatus.Submitted, null),
        };
        foreach (var (name, hours, status, assignee) in seeds)
        {
            var cac = Random.Shared.Next(100_000, 999_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var created = await merchants.RegisterAsync(staff, new RegisterMerchantRequest(name, cac, "contact@seed.example"));
            created.Succeeded.ShouldBeTrue(created.Error?.Message);
            var record = (await store.GetAsync(created.Value!.Id, CancellationToken.None))!;
            var submitted = record with { Status = status, SubmittedAt = now.AddHours(-hours), AssignedTo = assignee, Version = record.Version + 1 };
            (await store.UpdateAsync(submitted, record.Version, new MerchantHistoryEntry(record.Id, now, "seed", null, "seeded", status, null), CancellationToken.None))
                .ShouldBe(MerchantWriteOutcome.Done);
        }
    }

    [Fact]
    public async Task A_case_goes_from_submission_through_a_rejected_document_to_approval()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var page = session.Page;
        var (merchantUser, merchantActor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);
        var merchantId = merchantActor.MerchantId!.Value;
        var (other, otherActor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);
        var cac = Random.Shared.Next(100_000, 999_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var merchants = session.Factory.Services.GetRequiredService<MerchantService>();

        await SeedQueueAsync(session.Factory.Services);

        // 1. The merchant completes KYB with the required documents.
        await session.SignInAsync(merchantUser.Email!, PortalFactory.Password);
        await CompleteWizardAsync(session, cac);
        session.ConsoleErrors.ShouldBeEmpty();
        await session.SignOutAsync();

        // 2. The admin finds the case in the queue and takes it.
        await session.SignInAsync("admin@demo.local", PortalSession.DemoPassword);
        var totpKey = await session.EnrolTotpAsync();
        await page.GotoAsync("/admin/kyc");
        await session.WaitForInteractiveAsync();
        var rows = page.Locator("[data-testid=queue-grid] tbody tr");
        var row = rows.Filter(new() { HasText = Business });
        await row.WaitForAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        // Oldest submission first, each with its age against the SLA.
        (await rows.Locator("[data-testid=open-case]").AllInnerTextsAsync()).ShouldBe(["Abuja Organic Foods", "Kano Textiles Ltd", "Enugu Solar Co", Business]);
        (await rows.Locator("[data-testid=sla-chip]").EvaluateAllAsync<string[]>("chips => chips.map(c => c.dataset.sla)")).ShouldBe(["Breached", "Warning", "OnTime", "OnTime"]);
        await page.ClickAsync("[data-testid=sla-breached]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await page.ClickAsync("[data-testid=sla-breached]");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await row.Locator("[data-testid=assign-to-me]").ClickAsync();
        await row.Locator("[data-testid=assignee]").Filter(new() { HasText = "(you)" }).WaitForAsync();
        await OnboardingTests.ChooseAsync(page, "Assigned", "Unassigned");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await OnboardingTests.ChooseAsync(page, "Assigned", "All");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await session.ScreenshotAsync("kyc-queue");

        // 3. The case page: view the ID (an image in the viewer, served by the cookie endpoint), accept two, reject the ID.
        await row.Locator("[data-testid=open-case]").ClickAsync();
        await page.WaitForURLAsync(new Regex("/admin/kyc/[0-9a-f]{32}$"), new() { WaitUntil = WaitUntilState.Commit });
        await Doc(page, "DirectorId").WaitForAsync();
        await page.Locator("[data-testid=approve-blocked]").WaitForAsync();
        (await page.Locator("[data-testid=approve]").IsDisabledAsync()).ShouldBeTrue();
        await Doc(page, "DirectorId").Locator("[data-testid=view-doc]").ClickAsync();
        var image = page.Locator("[data-testid=viewer-image]");
        await image.WaitForAsync();
        await Assertions.Expect(image).ToHaveJSPropertyAsync("complete", true);
        (await image.EvaluateAsync<int>("img => img.naturalWidth")).ShouldBe(480);
        var src = (await image.GetAttributeAsync("src"))!;
        var file = await page.Context.APIRequest.GetAsync(src);
        file.Status.ShouldBe(200);
        file.Headers["content-type"].ShouldBe("image/png");
        file.Headers["content-disposition"].ShouldStartWith("inline");
        file.Headers["x-content-type-options"].ShouldBe("nosniff");
        file.Headers["content-security-policy"].ShouldContain("frame-ancestors 'self'");

        await Doc(page, "ProofOfAddress").Locator("[data-testid=accept-doc]").ClickAsync();
        await Doc(page, "ProofOfAddress").Locator("[data-testid=document-state]").Filter(new() { HasText = "Accepted" }).WaitForAsync();
        await Doc(page, "BankStatement").Locator("[data-testid=accept-doc]").ClickAsync();
        await Doc(page, "BankStatement").Locator("[data-testid=document-state]").Filter(new() { HasText = "Accepted" }).WaitForAsync();
        await Doc(page, "DirectorId").Locator("[data-testid=reject-doc]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        (await dialog.Locator("[data-testid=confirm-review]").IsDisabledAsync()).ShouldBeTrue(); // a reason is required
        await dialog.Locator("textarea").First.FillAsync("The photo is too blurred to read the ID number.");
        await dialog.Locator("[data-testid=confirm-review]").ClickAsync();
        await Doc(page, "DirectorId").Locator("[data-testid=document-state]").Filter(new() { HasText = "Rejected" }).WaitForAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await session.ScreenshotAsync("kyc-case");

        // 4. Another admin changes the case meanwhile: this admin's request is refused with a conflict, never an overwrite.
        var (_, otherAdmin) = await session.Factory.CreateUserAsync(PortalRoles.Admin, "bola@portal.example");
        var current = (await merchants.GetAsync(otherAdmin, merchantId)).Value!;
        (await merchants.AssignAsync(otherAdmin, merchantId, current.Version)).Succeeded.ShouldBeTrue();
        await page.ClickAsync("[data-testid=request-info]");
        await dialog.Locator("textarea").First.FillAsync("Please upload a sharper photo of the director's ID.");
        await dialog.Locator("[data-testid=confirm-review]").ClickAsync();
        var conflict = page.Locator("[data-testid=case-conflict]");
        await conflict.WaitForAsync();
        (await conflict.InnerTextAsync()).ShouldContain("Someone else changed this case");
        (await merchants.GetAsync(otherAdmin, merchantId)).Value!.Status.ShouldBe(MerchantStatus.Submitted);
        await page.ClickAsync("[data-testid=case-reload]");
        await page.Locator("[data-testid=case-assignee]").Filter(new() { HasText = "bola@portal.example" }).WaitForAsync();
        await page.ClickAsync("[data-testid=request-info]");
        await dialog.Locator("textarea").First.FillAsync("Please upload a sharper photo of the director's ID.");
        await dialog.Locator("[data-testid=confirm-review]").ClickAsync();
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "More information requested" }).First.WaitForAsync();
        var mail = (await session.Factory.Services.GetRequiredService<IEmailOutbox>().ListAsync(20)).First(m => m.To == "owner@ikejaleather.example");
        mail.Body.ShouldContain("Please upload a sharper photo of the director's ID.");
        session.ConsoleErrors.ShouldBeEmpty();
        await session.SignOutAsync();

        // Another merchant cannot open this merchant's documents through the viewer endpoint.
        await session.SignInAsync(other.Email!, PortalFactory.Password);
        (await page.Context.APIRequest.GetAsync(src)).Status.ShouldBe(404);
        await session.SignOutAsync();
        otherActor.MerchantId.ShouldNotBe(merchantId);

        // 5. The merchant sees the message and the rejected document, uploads it again and resubmits.
        await session.SignInAsync(merchantUser.Email!, PortalFactory.Password);
        await page.GotoAsync("/onboarding");
        await session.WaitForInteractiveAsync();
        await page.GetByText("Please upload a sharper photo of the director's ID.").First.WaitForAsync();
        await page.Locator("[data-testid=step-title]").Filter(new() { HasText = "Documents" }).WaitForAsync();
        (await page.Locator("[data-testid=requirement-DirectorId] [data-testid=rejection-reason]").InnerTextAsync()).ShouldContain("too blurred");
        await session.ScreenshotAsync("kyc-merchant-more-information");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "director-id-sharp.png", MimeType = "image/png", Buffer = TestImages.IdCardPng(0x55) });
        await page.ClickAsync("[data-testid=upload-all]");
        await page.Locator("[data-testid=requirement-DirectorId] [data-testid=document-state]").Filter(new() { HasText = "Uploaded" }).WaitForAsync();
        await OnboardingTests.NextAsync(session, "Review and submit");
        await page.ClickAsync("[data-testid=submit]");
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Submitted" }).WaitForAsync();
        session.ConsoleErrors.ShouldBeEmpty();
        await session.SignOutAsync();

        // 6. The admin accepts the new ID (the old version stays in the history) and approves.
        await session.SignInWithTotpAsync("admin@demo.local", PortalSession.DemoPassword, totpKey);
        await page.GotoAsync($"/admin/kyc/{merchantId:N}");
        await session.WaitForInteractiveAsync();
        await Doc(page, "DirectorId").Locator("[data-testid=version-history]").WaitForAsync();
        await Doc(page, "DirectorId").Locator("[data-testid=accept-doc]").ClickAsync();
        await Doc(page, "DirectorId").Locator("[data-testid=document-state]").First.Filter(new() { HasText = "Accepted" }).WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=approve-blocked]")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-testid=approve]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Approved" }).First.WaitForAsync();
        session.ConsoleErrors.ShouldBeEmpty();
        await session.SignOutAsync();

        // 7. The merchant sees Approved.
        await session.SignInAsync(merchantUser.Email!, PortalFactory.Password);
        await page.GotoAsync("/onboarding");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=merchant-status]").Filter(new() { HasText = "Approved" }).First.WaitForAsync();
        session.ConsoleErrors.ShouldBeEmpty();

        var audit = session.Factory.Services.GetRequiredService<IAuditLog>();
        (await audit.QueryAsync(new AuditQuery(Action: "kyc.document_viewed", Limit: 50))).Events.ShouldContain(e => e.ActorRole == PortalRoles.Admin);
        (await audit.QueryAsync(new AuditQuery(Action: "kyc.document_rejected", Limit: 50))).Events.ShouldContain(e => e.Outcome == AuditOutcome.Success);
    }
}
