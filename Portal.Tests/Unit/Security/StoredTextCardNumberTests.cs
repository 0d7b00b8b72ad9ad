using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.ApiKeys;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Core.Security;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Security;

/// <summary>Every free-text field a service stores refuses a card number, however spelled, and names the field without echoing it.</summary>
public sealed class StoredTextCardNumberTests : IAsyncLifetime
{
    // Luhn-valid, spelled the ways the review found getting past the old detector.
    private const string Dotted = "4111.1111.1111.1111";
    private const string Fullwidth = "４１１１１１１１１１１１１１１１";
    private const string Glued = "A4111111111111111";

    private readonly EmbeddedTestBed _bed = new("stored-text");
    private readonly Actor _merchant = new("user-m", "m@shop.example", "Merchant", Guid.CreateVersion7(), "10.0.0.9");
    private readonly Actor _admin = new("user-a", "ada@portal.example", "Admin", null, "10.0.0.1");
    private MerchantService _merchants = default!;
    private KycDocumentService _documents = default!;
    private ApiKeyService _keys = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        var db = _bed.Database("portal.db");
        var store = new SqliteMerchantStore(db);
        _merchants = new MerchantService(store, new MerchantPiiVault(_bed.Keys), new MerchantCursor(_bed.Keys), _bed.Audit, _bed.Clock);
        _documents = new KycDocumentService(new EncryptedFileDocumentStore(_bed.PathOf("documents"), _bed.Keys, _bed.Clock), new SqliteKycDocumentRecords(db), store,
            _bed.Audit, Options.Create(new KycOptions()), _bed.Clock);
        _keys = new ApiKeyService(new SqliteApiKeyStore(db), _bed.Audit, _bed.Clock);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    public static TheoryData<string, string> DraftFields() => new()
    {
        { nameof(KybForm.BusinessName), "Shop " + Dotted },
        { nameof(KybForm.RegisteredAddress), "Plot " + Fullwidth + ", Ikeja" },
        { nameof(KybForm.Website), "https://shop.example/" + Glued },
        { nameof(KybForm.ContactEmail), "4111111111111111@shop.example" },
        { nameof(KybForm.ContactPhone), "4111-1111-1111-1111" },
        { "Owners[0].Name", "Ada " + Glued },
        { "Owners[0].Nationality", Fullwidth },
        { nameof(KybForm.BankName), "Bank " + Dotted },
        { nameof(KybForm.AccountName), Glued },
        { nameof(KybForm.AccountNumber), "4111 1111 1111 1111" },
    };

    [Theory]
    [MemberData(nameof(DraftFields))]
    public async Task A_draft_with_a_card_number_in_any_field_is_refused_naming_the_field(string field, string value)
    {
        var form = KybForms.Complete("314159");
        Set(form, field, value);

        var result = await _merchants.SaveDraftAsync(_merchant, form, null, Ct);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        result.Error!.Fields!.ShouldContainKey(field);
        result.Error!.Fields!.Values.SelectMany(m => m).ShouldAllBe(m => !m.Contains("1111", StringComparison.Ordinal) && !m.Contains('１'));
        (await _merchants.GetOwnAsync(_merchant, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_well_formed_phone_number_is_not_taken_for_a_card_number()
    {
        var form = KybForms.Complete("314159");
        form.ContactPhone = "+234 803 123 4561"; // 13 digits that pass the Luhn check

        CardNumberDetector.ContainsCardNumber(form.ContactPhone).ShouldBeTrue();
        (await _merchants.SaveDraftAsync(_merchant, form, null, Ct)).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData(ReviewDecision.Reject)]
    [InlineData(ReviewDecision.RequestInformation)]
    public async Task A_review_note_with_a_card_number_is_refused(ReviewDecision decision)
    {
        var submitted = await SubmittedAsync();

        var result = await _merchants.ReviewAsync(_admin, submitted.Id, decision, "The customer wrote " + Dotted, submitted.Version, Ct);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        result.Error!.Fields!.ShouldContainKey("note");
        (await _merchants.GetAsync(_admin, submitted.Id, Ct)).Value!.Status.ShouldBe(MerchantStatus.Submitted);
    }

    [Fact]
    public async Task A_document_rejection_reason_with_a_card_number_is_refused()
    {
        await _merchants.SaveDraftAsync(_merchant, KybForms.Complete("314159"), null, Ct);
        var pdf = new byte[3000];
        "%PDF-1.7\n"u8.CopyTo(pdf);
        (await _documents.UploadAsync(_merchant, _merchant.MerchantId!.Value, DocumentType.DirectorId, new MemoryStream(pdf), Ct)).Succeeded.ShouldBeTrue();
        var current = (await _documents.RequirementsAsync(_admin, _merchant.MerchantId.Value, Ct))!.Single(r => r.Type == DocumentType.DirectorId).Current!;

        var result = await _documents.ReviewDocumentAsync(_admin, current.MerchantId, DocumentType.DirectorId, current.VersionId, current.State, false, "Card " + Fullwidth + " visible", Ct);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        result.Error!.Message.ShouldContain("card number");
    }

    [Fact]
    public async Task An_api_key_name_with_a_card_number_is_refused()
    {
        var result = await _keys.CreateAsync(_merchant, Glued, Ct);

        result.Succeeded.ShouldBeFalse();
        (await _keys.ListAsync(_merchant, Ct)).ShouldBeEmpty();
    }

    private async Task<Merchant> SubmittedAsync()
    {
        var draft = await _merchants.SaveDraftAsync(_merchant, KybForms.Complete("314159"), null, Ct);
        return (await _merchants.SubmitAsync(_merchant, KybForms.Complete("314159"), draft.Value!.Version, Ct)).Value!;
    }

    private static void Set(KybForm form, string field, string value)
    {
        switch (field)
        {
            case "Owners[0].Name": form.Owners[0].Name = value; break;
            case "Owners[0].Nationality": form.Owners[0].Nationality = value; break;
            default: typeof(KybForm).GetProperty(field)!.SetValue(form, value); break;
        }
    }
}
