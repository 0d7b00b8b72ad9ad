using System.Security.Claims;
using Bunit;
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

namespace Portal.Tests.Components.Onboarding;

/// <summary>
/// A bunit context for the merchant's own screens over the real embedded services (merchants, documents, KYC cases),
/// signed in as a merchant with a fresh merchant id.
/// </summary>
public abstract class MerchantScreensContext : BunitContext
{
    private protected EmbeddedTestBed Bed { get; } = new("merchant-ui");
    protected Actor Merchant { get; } = new("user-w", "w@shop.example", PortalRoles.Merchant, Guid.CreateVersion7(), "10.0.0.7");
    protected KycDocumentService Documents { get; }
    protected MerchantService Merchants { get; }

    protected MerchantScreensContext()
    {
        var db = Bed.Database("portal.db");
        var store = new SqliteMerchantStore(db);
        var options = Options.Create(new KycOptions());
        Merchants = new MerchantService(store, new MerchantPiiVault(Bed.Keys), new MerchantCursor(Bed.Keys), Bed.Audit, Bed.Clock);
        Documents = new KycDocumentService(new EncryptedFileDocumentStore(Bed.PathOf("documents"), Bed.Keys, Bed.Clock), new SqliteKycDocumentRecords(db), store,
            Bed.Audit, options, Bed.Clock);
        Services.AddMudServices();
        Services.AddSingleton(Merchants);
        Services.AddSingleton(Documents);
        Services.AddSingleton(new KycCaseService(Merchants, Documents, store, new FileEmailOutbox(Bed.PathOf("outbox"), Bed.Clock, NullLogger<FileEmailOutbox>.Instance), options, Bed.Clock));
        Services.AddSingleton<TimeProvider>(Bed.Clock);
        Services.AddScoped<CircuitClient>();
        Services.AddSingleton<ILogger<DocumentUploader>>(NullLogger<DocumentUploader>.Instance);
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized(Merchant.Name!);
        auth.SetRoles(Merchant.Role!);
        auth.SetClaims(new Claim(PortalPolicies.MerchantIdClaim, Merchant.MerchantId!.Value.ToString()));
    }

    /// <summary>Generous: the suite runs these beside browser tests on two busy cores.</summary>
    protected static TimeSpan Wait => TimeSpan.FromSeconds(30);

    protected static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    protected static byte[] Pdf() => [.. "%PDF-1.7\n"u8, .. new byte[2000]];

    /// <summary>One PDF per required document, as the uploader's file input receives them.</summary>
    protected async Task<InputFileContent[]> OneFilePerRequirementAsync() =>
        Enumerable.Range(1, (await Documents.RequirementsAsync(Merchant, Merchant.MerchantId!.Value, Ct))!.Count)
            .Select(i => InputFileContent.CreateFromBinary(Pdf(), $"doc{i}.pdf", contentType: "application/pdf")).ToArray();

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        Documents.Dispose();
        await Bed.DisposeAsync();
    }
}
