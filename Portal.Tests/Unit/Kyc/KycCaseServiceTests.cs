using Portal.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Core.Merchants;

namespace Portal.Tests.Unit.Kyc;

/// <summary>The KYC review use cases over the real embedded adapters in a temp folder, with a fake clock.</summary>
public sealed class KycCaseServiceTests : IAsyncLifetime
{
    private readonly EmbeddedTestBed _bed = new("kyc-case");
    private readonly Actor _merchant = new("user-m", "m@shop.example", "Merchant", Guid.CreateVersion7(), "10.0.0.9");
    private readonly Actor _ada = new("user-a", "ada@portal.example", "Admin", null, "10.0.0.1");
    private readonly Actor _bola = new("user-b", "bola@portal.example", "Admin", null, "10.0.0.2");
    private MerchantService _merchants = default!;
    private KycDocumentService _documents = default!;
    private KycCaseService _cases = default!;
    private FileEmailOutbox _outbox = default!;
    private SqliteMerchantStore _store = default!;
    private SqliteKycDocumentRecords _records = default!;
    private EncryptedFileDocumentStore _files = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        var keys = _bed.Keys;
        var db = _bed.Database("portal.db");
        var store = _store = new SqliteMerchantStore(db);
        _merchants = new MerchantService(store, new MerchantPiiVault(keys), new MerchantCursor(keys), _bed.Audit, _bed.Clock);
        var options = Options.Create(new KycOptions());
        _files = new EncryptedFileDocumentStore(_bed.PathOf("documents"), keys, _bed.Clock);
        _records = new SqliteKycDocumentRecords(db);
        _documents = new KycDocumentService(_files, _records, store, _bed.Audit, options, _bed.Clock);
        _outbox = new FileEmailOutbox(_bed.PathOf("outbox"), _bed.Clock, NullLogger<FileEmailOutbox>.Instance);
        _cases = new KycCaseService(_merchants, _documents, store, _outbox, options, _bed.Clock);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    // A sole proprietorship needs director ID, proof of address and bank statement.
    private static KybForm Form() => KybForms.Complete("271828", businessType: BusinessType.SoleProprietorship, ownership: 100);

    private async Task<Merchant> SubmittedWithDocumentsAsync()
    {
        var draft = await _merchants.SaveDraftAsync(_merchant, Form(), null, Ct);
        foreach (var type in new[] { DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement })
        {
            (await UploadAsync(type)).Succeeded.ShouldBeTrue();
        }

        return (await _cases.SubmitAsync(_merchant, Form(), draft.Value!.Version, Ct)).Value!;
    }

    [Fact]
    public async Task Submitting_needs_every_required_document_uploaded()
    {
        var draft = await _merchants.SaveDraftAsync(_merchant, Form(), null, Ct);
        (await UploadAsync(DocumentType.DirectorId)).Succeeded.ShouldBeTrue();

        var early = await _cases.SubmitAsync(_merchant, Form(), draft.Value!.Version, Ct);

        early.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        early.Error!.Message.ShouldContain("Proof of address, Bank statement");
        early.Error!.Fields!.ShouldContainKey("documents");
        (await _merchants.GetOwnAsync(_merchant, Ct))!.Status.ShouldBe(MerchantStatus.Draft);

        (await UploadAsync(DocumentType.ProofOfAddress)).Succeeded.ShouldBeTrue();
        (await UploadAsync(DocumentType.BankStatement)).Succeeded.ShouldBeTrue();
        (await _cases.SubmitAsync(_merchant, Form(), draft.Value.Version, Ct)).Value!.Status.ShouldBe(MerchantStatus.Submitted);
    }

    private Task<Result<KycDocumentVersion>> UploadAsync(DocumentType type)
    {
        var pdf = new byte[3000];
        "%PDF-1.7\n"u8.CopyTo(pdf);
        Random.Shared.NextBytes(pdf.AsSpan(20));
        return _documents.UploadAsync(_merchant, _merchant.MerchantId!.Value, type, new MemoryStream(pdf), Ct);
    }

    private async Task<KycDocumentVersion> CurrentAsync(DocumentType type) =>
        (await _documents.RequirementsAsync(_ada, _merchant.MerchantId!.Value, Ct))!.Single(r => r.Type == type).Current!;

    private async Task<Result> ReviewAsync(Actor admin, DocumentType type, bool accept, string? reason = null)
    {
        var current = await CurrentAsync(type);
        return await _documents.ReviewDocumentAsync(admin, current.MerchantId, type, current.VersionId, current.State, accept, reason, Ct);
    }

    [Fact]
    public async Task A_second_admin_assigning_a_case_taken_after_they_loaded_it_gets_a_conflict_naming_the_assignee()
    {
        var submitted = await SubmittedWithDocumentsAsync();

        var first = await _merchants.AssignAsync(_ada, submitted.Id, submitted.Version, Ct);
        var second = await _merchants.AssignAsync(_bola, submitted.Id, submitted.Version, Ct);

        first.Succeeded.ShouldBeTrue(first.Error?.Message);
        second.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        second.Error!.Message.ShouldContain("Someone else changed this case");
        second.Error!.Message.ShouldContain("ada@portal.example");
        (await _merchants.GetAsync(_ada, submitted.Id, Ct)).Value!.AssignedTo.ShouldBe("ada@portal.example");
        (await _merchants.AssignAsync(_merchant, submitted.Id, first.Value!.Version, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
    }

    [Fact]
    public async Task Two_admins_deciding_on_the_same_version_the_second_gets_a_conflict_and_nothing_is_overwritten()
    {
        var submitted = await SubmittedWithDocumentsAsync();

        var first = await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.RequestInformation, "Please send a clearer ID.", submitted.Version, Ct);
        var second = await _cases.DecideAsync(_bola, submitted.Id, ReviewDecision.Reject, "Looks fake.", submitted.Version, Ct);

        first.Succeeded.ShouldBeTrue(first.Error?.Message);
        second.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        second.Error!.Message.ShouldStartWith("Someone else changed this case");
        second.Error!.Message.ShouldContain("Reload");
        var stored = (await _merchants.GetAsync(_ada, submitted.Id, Ct)).Value!;
        stored.Status.ShouldBe(MerchantStatus.MoreInformationRequested);
        stored.StatusNote.ShouldBe("Please send a clearer ID.");
    }

    [Fact]
    public async Task Requesting_information_emails_the_merchant_the_message_and_the_merchant_sees_it()
    {
        var submitted = await SubmittedWithDocumentsAsync();

        var result = await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.RequestInformation, "Your proof of address is older than 3 months.", submitted.Version, Ct);

        result.Succeeded.ShouldBeTrue(result.Error?.Message);
        var mail = (await _outbox.ListAsync(10, Ct)).ShouldHaveSingleItem();
        mail.To.ShouldBe("hello@lagoscrafts.example");
        mail.Body.ShouldContain("Your proof of address is older than 3 months.");
        var own = (await _merchants.GetOwnAsync(_merchant, Ct))!;
        own.Status.ShouldBe(MerchantStatus.MoreInformationRequested);
        own.StatusNote.ShouldBe("Your proof of address is older than 3 months.");
    }

    [Fact]
    public async Task Approval_needs_every_required_document_accepted_and_emails_the_merchant()
    {
        var submitted = await SubmittedWithDocumentsAsync();
        (await ReviewAsync(_ada, DocumentType.DirectorId, accept: true)).Succeeded.ShouldBeTrue();
        (await ReviewAsync(_ada, DocumentType.ProofOfAddress, accept: true)).Succeeded.ShouldBeTrue();

        var early = await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, submitted.Version, Ct);
        early.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        (await _cases.LoadAsync(_ada, submitted.Id, Ct))!.ApprovalBlockedBecause!.ShouldContain("1 of 3");

        (await ReviewAsync(_ada, DocumentType.BankStatement, accept: true)).Succeeded.ShouldBeTrue();
        var ready = await _cases.LoadAsync(_ada, submitted.Id, Ct);
        ready!.ApprovalBlockedBecause.ShouldBeNull();
        var approved = await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, ready.Merchant.Version, Ct);

        approved.Succeeded.ShouldBeTrue(approved.Error?.Message);
        approved.Value!.Status.ShouldBe(MerchantStatus.Approved);
        (await _outbox.ListAsync(10, Ct)).ShouldHaveSingleItem().Subject.ShouldContain("approved");
    }

    [Fact]
    public async Task A_rejected_document_needs_a_reason_shows_it_to_the_merchant_and_can_be_uploaded_again()
    {
        await SubmittedWithDocumentsAsync();

        (await ReviewAsync(_ada, DocumentType.DirectorId, accept: false, reason: "  ")).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        (await ReviewAsync(_ada, DocumentType.DirectorId, accept: false, reason: "The photo is blurred.")).Succeeded.ShouldBeTrue();

        var seen = (await _documents.RequirementsAsync(_merchant, _merchant.MerchantId!.Value, Ct))!.Single(r => r.Type == DocumentType.DirectorId);
        seen.State.ShouldBe(DocumentState.Rejected);
        seen.Current!.Reason.ShouldBe("The photo is blurred.");
        (await UploadAsync(DocumentType.DirectorId)).Succeeded.ShouldBeTrue();
        var again = (await _documents.RequirementsAsync(_merchant, _merchant.MerchantId!.Value, Ct))!.Single(r => r.Type == DocumentType.DirectorId);
        again.State.ShouldBe(DocumentState.Uploaded);
        again.Versions.ShouldBe(2);
        var events = await _bed.Audit.QueryAsync(new AuditQuery(Action: "kyc.document_rejected", Limit: 10), Ct);
        events.Events.ShouldContain(e => e.Outcome == AuditOutcome.Success && e.ActorRole == "Admin");
    }

    [Fact]
    public async Task Reviewing_a_document_that_changed_since_it_was_loaded_is_a_conflict()
    {
        await SubmittedWithDocumentsAsync();
        var loaded = await CurrentAsync(DocumentType.BankStatement);

        // Another admin decided first: the state the second admin saw is stale.
        (await ReviewAsync(_bola, DocumentType.BankStatement, accept: true)).Succeeded.ShouldBeTrue();
        var stale = await _documents.ReviewDocumentAsync(_ada, loaded.MerchantId, loaded.Type, loaded.VersionId, loaded.State, false, "Wrong account.", Ct);
        stale.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        (await CurrentAsync(DocumentType.BankStatement)).State.ShouldBe(DocumentState.Accepted);

        // The merchant uploaded a newer version: the old one is history, not reviewable.
        (await UploadAsync(DocumentType.BankStatement)).Succeeded.ShouldBeTrue();
        var superseded = await _documents.ReviewDocumentAsync(_ada, loaded.MerchantId, loaded.Type, loaded.VersionId, DocumentState.Accepted, true, null, Ct);
        superseded.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        (await _documents.ReviewDocumentAsync(_merchant, loaded.MerchantId, loaded.Type, loaded.VersionId, DocumentState.Uploaded, true, null, Ct))
            .Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
    }

    [Fact]
    public async Task A_document_decision_moves_the_case_on_so_an_approval_that_checked_the_documents_before_it_conflicts()
    {
        var submitted = await SubmittedWithDocumentsAsync();
        foreach (var type in new[] { DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement })
        {
            (await ReviewAsync(_ada, type, accept: true)).Succeeded.ShouldBeTrue();
        }

        var checkedAt = (await _cases.LoadAsync(_ada, submitted.Id, Ct))!; // an approval's check: every document accepted
        checkedAt.ApprovalBlockedBecause.ShouldBeNull();

        (await ReviewAsync(_bola, DocumentType.BankStatement, accept: false, "Older than three months.")).Succeeded.ShouldBeTrue();

        // The approval's write, after its check: the rejection moved the case on, so it conflicts instead of approving.
        var approval = await _merchants.ReviewAsync(_ada, submitted.Id, ReviewDecision.Approve, null, checkedAt.Merchant.Version, Ct);
        approval.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        (await _merchants.GetAsync(_ada, submitted.Id, Ct)).Value!.Status.ShouldBe(MerchantStatus.Submitted);
        (await _merchants.HistoryAsync(_ada, submitted.Id, Ct)).ShouldContain(h => h.Change == "Bank statement rejected" && h.Note == "Older than three months.");
    }

    [Fact]
    public async Task A_document_decision_on_a_case_that_changed_meanwhile_is_undone()
    {
        await SubmittedWithDocumentsAsync();
        var documents = new KycDocumentService(_files, _records, new ChangedUnderneath(_store), _bed.Audit, Options.Create(new KycOptions()), _bed.Clock);
        var loaded = await CurrentAsync(DocumentType.DirectorId);

        var result = await documents.ReviewDocumentAsync(_ada, loaded.MerchantId, loaded.Type, loaded.VersionId, loaded.State, true, null, Ct);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        result.Error!.Message.ShouldContain("Reload");
        (await CurrentAsync(DocumentType.DirectorId)).State.ShouldBe(DocumentState.Uploaded);
    }

    /// <summary>A merchant store where someone else always got there first: every update is a version conflict.</summary>
    private sealed class ChangedUnderneath(IMerchantStore inner) : IMerchantStore
    {
        public Task<MerchantWriteOutcome> CreateAsync(MerchantRecord merchant, MerchantHistoryEntry created, CancellationToken cancellationToken) =>
            inner.CreateAsync(merchant, created, cancellationToken);

        public Task<MerchantWriteOutcome> UpdateAsync(MerchantRecord merchant, long expectedVersion, MerchantHistoryEntry change, CancellationToken cancellationToken) =>
            Task.FromResult(MerchantWriteOutcome.VersionConflict);

        public Task<MerchantRecord?> GetAsync(Guid id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

        public Task<MerchantPage> ListAsync(MerchantListQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

        public Task<MerchantPage> QueueAsync(MerchantQueueQuery query, CancellationToken cancellationToken) => inner.QueueAsync(query, cancellationToken);

        public Task<IReadOnlyDictionary<MerchantStatus, long>> CountByStatusAsync(CancellationToken cancellationToken) => inner.CountByStatusAsync(cancellationToken);

        public Task<IReadOnlyList<MerchantHistoryEntry>> HistoryAsync(Guid id, CancellationToken cancellationToken) => inner.HistoryAsync(id, cancellationToken);
    }

    [Fact]
    public async Task The_queue_shows_ages_against_the_sla_and_filters_breached_and_mine()
    {
        var submitted = await SubmittedWithDocumentsAsync();
        _cases.Sla(submitted.SubmittedAt!.Value).ShouldBe(SlaLevel.OnTime);
        (await _cases.QueueAsync(_ada, new KycQueueFilter(SlaBreachedOnly: true), 20, null, Ct))!.Items.ShouldBeEmpty();

        _bed.Clock.Advance(TimeSpan.FromHours(30));
        _cases.Sla(submitted.SubmittedAt!.Value).ShouldBe(SlaLevel.Warning);
        _bed.Clock.Advance(TimeSpan.FromHours(20));
        _cases.Sla(submitted.SubmittedAt!.Value).ShouldBe(SlaLevel.Breached);
        (await _cases.QueueAsync(_ada, new KycQueueFilter(SlaBreachedOnly: true), 20, null, Ct))!.Items.ShouldHaveSingleItem().Id.ShouldBe(submitted.Id);

        await _merchants.AssignAsync(_ada, submitted.Id, submitted.Version, Ct);
        (await _cases.QueueAsync(_ada, new KycQueueFilter(Assignee: QueueAssignee.Assigned), 20, null, Ct))!.Items.ShouldHaveSingleItem();
        (await _cases.QueueAsync(_bola, new KycQueueFilter(Assignee: QueueAssignee.Assigned), 20, null, Ct))!.Items.ShouldBeEmpty();
        (await _cases.QueueAsync(_merchant, new KycQueueFilter(), 20, null, Ct)).ShouldBeNull();
    }
}
