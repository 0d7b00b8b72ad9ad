using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components;
using Portal.Components.Kyc;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Kyc;

/// <summary>The uploader over the real document service: a refused upload shows the service's message beside the file.</summary>
public sealed class DocumentUploaderTests : BunitContext
{
    private readonly EmbeddedTestBed _bed = new("uploader-ui");
    private readonly Actor _merchant = new("user-m", "m@shop.example", PortalRoles.Merchant, Guid.CreateVersion7(), "10.0.0.9");
    private readonly KycDocumentService _documents;
    private readonly MerchantService _merchants;

    public DocumentUploaderTests()
    {
        var db = _bed.Database("portal.db");
        var merchantStore = new SqliteMerchantStore(db);
        _merchants = new MerchantService(merchantStore, new MerchantPiiVault(_bed.Keys), new MerchantCursor(_bed.Keys), _bed.Audit, _bed.Clock);
        _documents = new KycDocumentService(new EncryptedFileDocumentStore(_bed.PathOf("documents"), _bed.Keys, _bed.Clock), new SqliteKycDocumentRecords(db), merchantStore,
            _bed.Audit, Options.Create(new KycOptions { MaxVersionsPerDocument = 2 }), _bed.Clock);
        Services.AddMudServices();
        Services.AddSingleton(_documents);
        Services.AddScoped<CircuitClient>();
        Services.AddSingleton<ILogger<DocumentUploader>>(NullLogger<DocumentUploader>.Instance);
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized(_merchant.Name!);
        auth.SetRoles(_merchant.Role!);
        auth.SetClaims(new Claim(PortalPolicies.MerchantIdClaim, _merchant.MerchantId!.Value.ToString()));
    }

    private static byte[] Pdf() => [.. "%PDF-1.7\n"u8, .. new byte[2000]];

    [Fact]
    public async Task A_refused_upload_shows_the_limit_it_ran_into()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        await _merchants.SaveDraftAsync(_merchant, KybForms.Complete("161803", businessType: BusinessType.SoleProprietorship, ownership: 100), null, ct);
        foreach (var type in new[] { DocumentType.DirectorId, DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement })
        {
            (await _documents.UploadAsync(_merchant, _merchant.MerchantId!.Value, type, new MemoryStream(Pdf()), ct)).Succeeded.ShouldBeTrue();
        }

        var uploader = Render<DocumentUploader>(p => p.Add(c => c.MerchantId, _merchant.MerchantId!.Value));
        uploader.WaitForElement("[data-testid=requirements]");
        // Every requirement has a file, so the uploader suggests the first (Director's ID), which already has two versions.
        await uploader.InvokeAsync(() => uploader.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(Pdf(), "id.pdf", contentType: "application/pdf")));
        await uploader.InvokeAsync(() => uploader.Find("[data-testid=upload-all]").Click());

        uploader.WaitForAssertion(() => uploader.Find("[data-testid=upload-error]").TextContent.ShouldContain("Director's ID already has 2 versions"));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _documents.Dispose();
        await _bed.DisposeAsync();
    }
}
