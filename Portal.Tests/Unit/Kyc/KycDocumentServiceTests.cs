using System.Security.Cryptography;
using Portal.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Core.Merchants;

namespace Portal.Tests.Unit.Kyc;

/// <summary>Integrity and access rules of <see cref="KycDocumentService"/> over the real embedded adapters.</summary>
public sealed class KycDocumentServiceTests : IAsyncLifetime
{
    private readonly EmbeddedTestBed _bed = new("kyc-documents");
    private readonly Actor _owner = new("user-m", "m@shop.example", "Merchant", Guid.CreateVersion7(), "10.0.0.9");
    private readonly Actor _stranger = new("user-s", "s@other.example", "Merchant", Guid.CreateVersion7(), "10.0.0.8");
    private readonly Actor _admin = new("user-a", "ada@portal.example", "Admin", null, "10.0.0.1");
    private SwappableStore _store = default!;
    private MerchantService _merchants = default!;
    private KycDocumentService _documents = default!;
    private readonly KycOptions _options = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var db = _bed.Database("portal.db");
        var merchantStore = new SqliteMerchantStore(db);
        _merchants = new MerchantService(merchantStore, new MerchantPiiVault(_bed.Keys), new MerchantCursor(_bed.Keys), _bed.Audit, _bed.Clock);
        _store = new SwappableStore(new EncryptedFileDocumentStore(_bed.PathOf("documents"), _bed.Keys, _bed.Clock));
        _documents = new KycDocumentService(_store, new SqliteKycDocumentRecords(db), merchantStore, _bed.Audit, Options.Create(_options), _bed.Clock);
        await _merchants.SaveDraftAsync(_owner, KybForms.Complete("314159", businessType: BusinessType.SoleProprietorship, ownership: 100), null, Ct);
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private Guid MerchantId => _owner.MerchantId!.Value;

    private async Task<KycDocumentVersion> UploadAsync(Actor actor, byte fill)
    {
        var result = await TryUploadAsync(DocumentType.BankStatement, fill);
        result.Succeeded.ShouldBeTrue();
        return result.Value!;
    }

    private Task<Result<KycDocumentVersion>> TryUploadAsync(DocumentType type, byte fill = (byte)'a', int length = 200_000)
    {
        var pdf = new byte[length];
        Array.Fill(pdf, fill);
        "%PDF-1.7\n"u8.CopyTo(pdf);
        return _documents.UploadAsync(_owner, MerchantId, type, new MemoryStream(pdf), Ct);
    }

    private async Task<Merchant> SubmittedAsync()
    {
        var draft = await _merchants.GetOwnAsync(_owner, Ct);
        return (await _merchants.SubmitAsync(_owner, KybForms.Complete("314159", businessType: BusinessType.SoleProprietorship, ownership: 100), draft!.Version, Ct)).Value!;
    }

    private async Task<IReadOnlyList<AuditEvent>> AuditAsync(string action) =>
        (await _bed.Audit.QueryAsync(new AuditQuery(Action: action, Limit: 100), Ct)).Events;

    [Fact]
    public async Task A_stored_version_whose_content_is_not_what_was_uploaded_is_refused_loudly_and_audited()
    {
        var first = await UploadAsync(_owner, (byte)'a');
        var second = await UploadAsync(_owner, (byte)'b');
        // Each version decrypts and authenticates on its own; serving the first's bytes as the second is what an object
        // swapped in storage looks like. Only the SHA-256 recorded at upload can tell.
        _store.Redirect(second.VersionId, first.VersionId);

        var open = () => _documents.OpenAsync(_admin, MerchantId, DocumentType.BankStatement, second.VersionId, Ct);

        await Should.ThrowAsync<CryptographicException>(open);
        (await AuditAsync("kyc.document_viewed")).ShouldContain(e => e.Outcome == AuditOutcome.Failure && e.Detail!.Contains(second.VersionId));

        _store.Redirect(second.VersionId, second.VersionId);
        var opened = (await _documents.OpenAsync(_admin, MerchantId, DocumentType.BankStatement, second.VersionId, Ct))!.Value;
        await using var content = opened.Content;
        Convert.ToHexStringLower(await SHA256.HashDataAsync(content, Ct)).ShouldBe(second.Sha256);
    }

    [Fact]
    public async Task Another_merchants_reads_and_uploads_are_refused_and_audited_as_denied_but_anonymous_probes_write_nothing()
    {
        var version = await UploadAsync(_owner, (byte)'a');

        (await _documents.RequirementsAsync(_stranger, MerchantId, Ct)).ShouldBeNull();
        (await _documents.OpenAsync(_stranger, MerchantId, DocumentType.BankStatement, version.VersionId, Ct)).ShouldBeNull();
        (await _documents.UploadAsync(_stranger, MerchantId, DocumentType.BankStatement, new MemoryStream("%PDF-1.7\n"u8.ToArray()), Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _documents.OpenAsync(Actor.Anonymous, MerchantId, DocumentType.BankStatement, version.VersionId, Ct)).ShouldBeNull();
        (await _documents.RequirementsAsync(Actor.Anonymous, MerchantId, Ct)).ShouldBeNull();

        var denied = (await _bed.Audit.QueryAsync(new AuditQuery(Limit: 100), Ct)).Events.Where(e => e.Outcome == AuditOutcome.Denied).ToList();
        denied.Select(e => e.Action).Order().ShouldBe(["kyc.document_uploaded", "kyc.document_viewed", "kyc.documents_listed"]);
        denied.ShouldAllBe(e => e.ActorId == _stranger.UserId);
        (await _documents.RequirementsAsync(_owner, MerchantId, Ct))!.Single(r => r.Type == DocumentType.BankStatement).Versions.ShouldBe(1); // the stranger stored nothing
    }

    [Fact]
    public async Task Uploads_after_a_decision_are_refused_and_audited()
    {
        var draft = await _merchants.GetOwnAsync(_owner, Ct);
        await UploadAsync(_owner, (byte)'a');
        var merchant = (await _merchants.SubmitAsync(_owner, KybForms.Complete("314159", businessType: BusinessType.SoleProprietorship, ownership: 100), draft!.Version, Ct)).Value!;
        merchant = (await _merchants.ReviewAsync(_admin, MerchantId, ReviewDecision.Reject, "Business not eligible.", merchant.Version, Ct)).Value!;
        merchant.Status.ShouldBe(MerchantStatus.Rejected);

        var late = await _documents.UploadAsync(_owner, MerchantId, DocumentType.BankStatement, new MemoryStream("%PDF-1.7\n"u8.ToArray()), Ct);

        late.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        late.Error!.Message.ShouldContain("rejected");
        (await AuditAsync("kyc.document_refused")).ShouldContain(e => e.Outcome == AuditOutcome.Failure && e.Detail == "application Rejected");
    }

    [Fact]
    public async Task An_upload_moves_the_case_version_on_so_an_approval_read_before_it_conflicts()
    {
        await UploadAsync(_owner, (byte)'a');
        var seen = await SubmittedAsync();

        await UploadAsync(_owner, (byte)'b');
        var approval = await _merchants.ReviewAsync(_admin, MerchantId, ReviewDecision.Approve, null, seen.Version, Ct);

        approval.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        var now = (await _merchants.GetAsync(_admin, MerchantId, Ct)).Value!;
        now.Status.ShouldBe(MerchantStatus.Submitted);
        now.Version.ShouldBe(seen.Version + 1);
        (await _merchants.HistoryAsync(_admin, MerchantId, Ct)).ShouldContain(h => h.Change == "Bank statement uploaded");
    }

    [Fact]
    public async Task An_upload_that_finishes_after_the_application_was_decided_is_withdrawn()
    {
        await UploadAsync(_owner, (byte)'a');
        var seen = await SubmittedAsync();
        // The approval lands while the file is still streaming into storage.
        _store.BeforePut = async () => (await _merchants.ReviewAsync(_admin, MerchantId, ReviewDecision.Approve, null, seen.Version, Ct)).Succeeded.ShouldBeTrue();

        var late = await TryUploadAsync(DocumentType.BankStatement, (byte)'b');

        late.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        (await _documents.VersionsAsync(_admin, MerchantId, Ct))!.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Uploads_past_the_versions_per_document_limit_are_refused_naming_the_limit()
    {
        _options.MaxVersionsPerDocument = 2;
        (await TryUploadAsync(DocumentType.BankStatement)).Succeeded.ShouldBeTrue();
        (await TryUploadAsync(DocumentType.BankStatement)).Succeeded.ShouldBeTrue();

        var third = await TryUploadAsync(DocumentType.BankStatement);

        third.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        third.Error!.Message.ShouldContain("2 versions");
        (await TryUploadAsync(DocumentType.DirectorId)).Succeeded.ShouldBeTrue(); // the limit is per document
    }

    [Fact]
    public async Task Uploads_past_the_merchants_storage_quota_are_refused_naming_the_quota_and_keep_nothing()
    {
        _options.MaxBytesPerMerchant = 500_000;
        (await TryUploadAsync(DocumentType.BankStatement, length: 300_000)).Succeeded.ShouldBeTrue();

        var over = await TryUploadAsync(DocumentType.DirectorId, length: 300_000);

        over.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.TooLarge);
        over.Error!.Message.ShouldContain("0.5 MB");
        (await _documents.VersionsAsync(_owner, MerchantId, Ct))!.Count.ShouldBe(1);
        (await TryUploadAsync(DocumentType.DirectorId, length: 150_000)).Succeeded.ShouldBeTrue(); // what is left still fits
    }

    [Fact]
    public async Task Uploads_faster_than_the_per_merchant_rate_are_refused_naming_the_rate()
    {
        _options.UploadsPerMinutePerMerchant = 2;
        (await TryUploadAsync(DocumentType.BankStatement)).Succeeded.ShouldBeTrue();
        (await TryUploadAsync(DocumentType.DirectorId)).Succeeded.ShouldBeTrue();

        var third = await TryUploadAsync(DocumentType.ProofOfAddress);

        third.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.RateLimited);
        third.Error!.Message.ShouldContain("2 uploads a minute");
    }

    /// <summary>Serves one version's stored bytes when another is asked for, as a storage-level swap would.</summary>
    private sealed class SwappableStore(IDocumentStore inner) : IDocumentStore
    {
        private readonly Dictionary<string, string> _redirects = [];

        public void Redirect(string asked, string served) => _redirects[asked] = served;

        /// <summary>Runs while a put is under way (something else happening as the file streams in).</summary>
        public Func<Task>? BeforePut { get; set; }

        public async Task<string> PutAsync(string documentKey, Stream content, string contentType, CancellationToken cancellationToken)
        {
            if (BeforePut is { } during)
            {
                await during();
            }

            return await inner.PutAsync(documentKey, content, contentType, cancellationToken);
        }

        public Task<Stream?> OpenReadAsync(string documentKey, string versionId, CancellationToken cancellationToken) =>
            inner.OpenReadAsync(documentKey, _redirects.GetValueOrDefault(versionId, versionId), cancellationToken);

        public Task<IReadOnlyList<DocumentVersion>> ListVersionsAsync(string documentKey, CancellationToken cancellationToken) =>
            inner.ListVersionsAsync(documentKey, cancellationToken);
    }
}
