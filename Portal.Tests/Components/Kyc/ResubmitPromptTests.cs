using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using Portal.Auth;
using Portal.Components.Kyc;
using Portal.Components.Pages;
using Portal.Core;
using Portal.Core.Merchants;
using Portal.Tests.Components.Onboarding;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Kyc;

/// <summary>After "more information requested", the Documents page and the home card say "resubmit" once nothing is missing.</summary>
public sealed class ResubmitPromptTests : MerchantScreensContext
{
    private readonly Actor _admin = new("admin-r", "admin@portal.example", PortalRoles.Admin, null, "10.0.0.1");

    /// <summary>The merchant submits with nothing uploaded and the reviewer asks for more.</summary>
    private async Task MoreInformationRequestedAsync()
    {
        var form = KybForms.Complete("141421", businessType: BusinessType.SoleProprietorship, ownership: 100);
        var draft = await Merchants.SaveDraftAsync(Merchant, form, null, Ct);
        var submitted = await Merchants.SubmitAsync(Merchant, form, draft.Value!.Version, Ct);
        submitted.Succeeded.ShouldBeTrue(submitted.Error?.Message);
        var review = await Merchants.ReviewAsync(_admin, submitted.Value!.Id, ReviewDecision.RequestInformation, "Upload your documents, please.", submitted.Value.Version, Ct);
        review.Succeeded.ShouldBeTrue(review.Error?.Message);
    }

    [Fact]
    public async Task The_documents_page_asks_to_resubmit_once_the_requested_uploads_are_done()
    {
        await MoreInformationRequestedAsync();
        Render<MudPopoverProvider>();
        var page = Render<MerchantDocuments>();
        page.WaitForElement("[data-testid=requirements]", Wait);
        page.FindAll("[data-testid=resubmit-prompt]").ShouldBeEmpty();

        var files = await OneFilePerRequirementAsync();
        await page.InvokeAsync(() => page.FindComponent<InputFile>().UploadFiles(files));
        await page.InvokeAsync(() => page.Find("[data-testid=upload-all]").Click());

        page.WaitForAssertion(() => page.Find("[data-testid=resubmit]").GetAttribute("href").ShouldBe(ResubmitPrompt.Href), Wait);
    }

    [Fact]
    public async Task The_home_card_turns_into_resubmit_once_the_requested_uploads_are_done()
    {
        await MoreInformationRequestedAsync();
        var before = Render<MerchantHome>();
        before.WaitForAssertion(() => before.Markup.ShouldContain("View application"), Wait);
        before.FindAll("[data-testid=home-resubmit]").ShouldBeEmpty();

        foreach (var requirement in (await Documents.RequirementsAsync(Merchant, Merchant.MerchantId!.Value, Ct))!)
        {
            (await Documents.UploadAsync(Merchant, Merchant.MerchantId!.Value, requirement.Type, new MemoryStream(Pdf()), Ct)).Succeeded.ShouldBeTrue();
        }

        var after = Render<MerchantHome>();
        after.WaitForElement("[data-testid=home-resubmit]", Wait);
        after.Find($"a[href='{ResubmitPrompt.Href}']").TextContent.ShouldContain("Resubmit application");
    }
}
