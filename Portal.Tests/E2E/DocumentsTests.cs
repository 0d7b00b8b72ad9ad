using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Auth;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

public sealed class DocumentsTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_merchant_uploads_several_files_at_once_and_a_renamed_executable_and_an_oversize_file_are_refused()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (user, actor) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);
        var registered = await session.Factory.Services.GetRequiredService<MerchantService>()
            .RegisterAsync(actor, new RegisterMerchantRequest("Docs Ltd", "424242", "docs@docs.example"));
        registered.Succeeded.ShouldBeTrue(registered.Error?.Message);
        var page = session.Page;
        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await page.GotoAsync("/documents");
        await session.WaitForInteractiveAsync();
        await page.Locator("[data-testid=requirements]").WaitForAsync();

        var pdf = new byte[200_000];
        "%PDF-1.7\n"u8.CopyTo(pdf);
        var exe = new byte[5_000];
        exe[0] = 0x4D;
        exe[1] = 0x5A;
        var oversize = new byte[10 * 1024 * 1024 + 1]; // one byte over the default Kyc:MaxUploadBytes
        "%PDF-1.7\n"u8.CopyTo(oversize);
        await page.Locator("input[type=file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "certificate.pdf", MimeType = "application/pdf", Buffer = pdf },
            new FilePayload { Name = "passport.pdf", MimeType = "application/pdf", Buffer = exe },
            new FilePayload { Name = "statement.pdf", MimeType = "application/pdf", Buffer = oversize },
        });
        await Assertions.Expect(page.Locator("[data-testid=pending-file]")).ToHaveCountAsync(3);
        await session.ScreenshotAsync("documents-pending");
        await page.ClickAsync("[data-testid=upload-all]");

        await page.Locator("[data-testid=upload-error]").Filter(new() { HasText = "PDF, JPEG or PNG" }).WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=upload-error]").Filter(new() { HasText = "statement.pdf is larger than 10" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=pending-file]")).ToHaveCountAsync(2);
        (await page.Locator("[data-testid=requirement-CertificateOfIncorporation] [data-testid=document-state]").InnerTextAsync()).ShouldBe("Uploaded");
        (await page.Locator("[data-testid=requirement-DirectorId] [data-testid=document-state]").InnerTextAsync()).ShouldBe("Missing");
        await session.ScreenshotAsync("documents-uploaded");
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
