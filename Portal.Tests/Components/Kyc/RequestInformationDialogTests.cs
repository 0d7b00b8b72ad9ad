using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Components.Kyc;
using Portal.Components.Merchants;
using Portal.Core.Kyc;
using Portal.Core.Merchants;

namespace Portal.Tests.Components.Kyc;

/// <summary>"Request more information" starts from the documents' rejection reasons, and the reviewer can still edit it.</summary>
public sealed class RequestInformationDialogTests : BunitContext
{
    private static DocumentRequirement Requirement(DocumentType type, DocumentState state, string? reason = null) =>
        new(type, state, new KycDocumentVersion(Guid.CreateVersion7(), type, "v1", DocumentFormat.Pdf, 2000, "sha", DateTimeOffset.UnixEpoch, "m", state, reason), 1);

    [Fact]
    public void The_request_lists_each_rejected_document_with_its_reason()
    {
        var note = KycCasePage.RequestFromRejections(
        [
            Requirement(DocumentType.DirectorId, DocumentState.Rejected, "The photo is blurred."),
            Requirement(DocumentType.ProofOfAddress, DocumentState.Accepted),
            Requirement(DocumentType.BankStatement, DocumentState.Rejected, "Older than three months"),
        ]);

        note.ShouldNotBeNull();
        var lines = note.Split('\n');
        lines.Length.ShouldBe(2);
        lines[0].ShouldStartWith(Portal.Components.Shared.DocumentStateChip.Describe(DocumentType.DirectorId) + ": The photo is blurred.");
        lines[1].ShouldContain("Older than three months.");
        KycCasePage.RequestFromRejections([Requirement(DocumentType.DirectorId, DocumentState.Accepted)]).ShouldBeNull();
    }

    [Fact]
    public async Task The_dialog_opens_with_the_request_filled_in_and_sends_the_edited_text()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var provider = Render<MudDialogProvider>();
        Render<MudPopoverProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();

        var asked = provider.InvokeAsync(() => ReviewNoteDialog.AskAsync(dialogs, "Request more information", ReviewDecision.RequestInformation,
            initial: "Director's ID: blurred. Please upload a new version."));
        var note = provider.WaitForElement("textarea", TimeSpan.FromSeconds(30));
        note.GetAttribute("value").ShouldBe("Director's ID: blurred. Please upload a new version.");
        await provider.InvokeAsync(() => note.Input("Director's ID: blurred. Please upload a new version. Thanks!"));
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-review]").Click());

        (await asked).ShouldBe("Director's ID: blurred. Please upload a new version. Thanks!");
    }
}
