using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Kyc;

/// <summary>
/// Four-eyes on KYB decisions (issue 19): one admin proposes an approval or rejection, a second confirms or sends it back.
/// Real embedded adapters in a temp folder, a fake clock; the risk threshold is set per test.
/// </summary>
public sealed class KybFourEyesTests : IAsyncLifetime
{
    private readonly EmbeddedTestBed _bed = new("kyb-four-eyes");
    private readonly Actor _merchant = new("user-m", "m@shop.example", "Merchant", Guid.CreateVersion7(), "10.0.0.9");
    private readonly Actor _ada = new("user-a", "ada@portal.example", "Admin", null, "10.0.0.1");
    private readonly Actor _bola = new("user-b", "bola@portal.example", "Admin", null, "10.0.0.2");
    private readonly Actor _chidi = new("user-c", "chidi@portal.example", "Admin", null, "10.0.0.3");
    private readonly KycOptions _options = new() { FourEyesFromRisk = KybRisk.Low };
    private MerchantService _merchants = default!;
    private KycDocumentService _documents = default!;
    private KycCaseService _cases = default!;
    private FileEmailOutbox _outbox = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        var keys = _bed.Keys;
        var db = _bed.Database("portal.db");
        var store = new SqliteMerchantStore(db);
        _merchants = new MerchantService(store, new MerchantPiiVault(keys), new MerchantCursor(keys), _bed.Audit, _bed.Clock);
        var options = Options.Create(_options);
        _documents = new KycDocumentService(new EncryptedFileDocumentStore(_bed.PathOf("documents"), keys, _bed.Clock), new SqliteKycDocumentRecords(db), store, _bed.Audit, options, _bed.Clock);
        _outbox = new FileEmailOutbox(_bed.PathOf("outbox"), _bed.Clock, NullLogger<FileEmailOutbox>.Instance);
        _cases = new KycCaseService(_merchants, _documents, store, _outbox, options, _bed.Clock);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private async Task<Merchant> SubmittedAndCheckedAsync(string industry = "Retail")
    {
        var form = KybForms.Complete("271828", businessType: BusinessType.SoleProprietorship, ownership: 100);
        form.Industry = industry;
        var draft = await _merchants.SaveDraftAsync(_merchant, form, null, Ct);
        foreach (var type in new[] { DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement })
        {
            var pdf = new byte[3000];
            "%PDF-1.7\n"u8.CopyTo(pdf);
            Random.Shared.NextBytes(pdf.AsSpan(20));
            (await _documents.UploadAsync(_merchant, _merchant.MerchantId!.Value, type, new MemoryStream(pdf), Ct)).Succeeded.ShouldBeTrue();
        }

        var submitted = (await _cases.SubmitAsync(_merchant, form, draft.Value!.Version, Ct)).Value!;
        foreach (var requirement in (await _documents.RequirementsAsync(_ada, submitted.Id, Ct))!)
        {
            var current = requirement.Current!;
            (await _documents.ReviewDocumentAsync(_ada, submitted.Id, current.Type, current.VersionId, current.State, accept: true, null, Ct)).Succeeded.ShouldBeTrue();
        }

        return (await _merchants.GetAsync(_ada, submitted.Id, Ct)).Value!;
    }

    private async Task<IReadOnlyList<AuditEvent>> EventsAsync(string action) =>
        (await _bed.AuditLog.QueryAsync(new AuditQuery(Action: action, Limit: 50), Ct)).Events;

    [Fact]
    public async Task An_approval_is_proposed_by_one_admin_and_applied_only_when_a_second_confirms()
    {
        var submitted = await SubmittedAndCheckedAsync();

        var proposed = await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, submitted.Version, Ct);

        var pending = proposed.Value.ShouldNotBeNull();
        pending.Status.ShouldBe(submitted.Status);
        pending.Proposal.ShouldNotBeNull().Decision.ShouldBe(ReviewDecision.Approve);
        pending.Proposal.ProposedBy.ShouldBe("ada@portal.example");
        (await _outbox.ListAsync(10, Ct)).ShouldBeEmpty();

        var confirmed = await _cases.ConfirmAsync(_bola, submitted.Id, pending.Version, Ct);

        var approved = confirmed.Value.ShouldNotBeNull(confirmed.Error?.Message);
        approved.Status.ShouldBe(MerchantStatus.Approved);
        approved.Proposal.ShouldBeNull();
        (await _outbox.ListAsync(10, Ct)).ShouldHaveSingleItem().Subject.ShouldContain("approved");
        (await EventsAsync(AuditActions.MerchantDecisionProposed)).ShouldHaveSingleItem().ActorId.ShouldBe("user-a");
        (await EventsAsync(AuditActions.MerchantApproved)).ShouldHaveSingleItem().ActorId.ShouldBe("user-b");
        (await _merchants.HistoryAsync(_ada, submitted.Id, Ct))[^1].Change.ShouldContain("proposed by ada@portal.example, confirmed by bola@portal.example");
    }

    [Fact]
    public async Task A_proposer_cannot_confirm_their_own_proposal_and_the_attempt_is_audited()
    {
        var submitted = await SubmittedAndCheckedAsync();
        var pending = (await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Reject, "Directors do not match.", submitted.Version, Ct)).Value!;

        var own = await _cases.ConfirmAsync(_ada, submitted.Id, pending.Version, Ct);

        own.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        own.Error.Message.ShouldContain("second admin");
        var stored = (await _merchants.GetAsync(_ada, submitted.Id, Ct)).Value!;
        stored.Status.ShouldBe(submitted.Status);
        stored.Proposal.ShouldNotBeNull();
        (await EventsAsync(AuditActions.MerchantRejected)).ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Denied);
    }

    [Fact]
    public async Task Of_two_concurrent_confirmations_exactly_one_wins_and_the_other_gets_a_conflict()
    {
        var submitted = await SubmittedAndCheckedAsync();
        var pending = (await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, submitted.Version, Ct)).Value!;

        var results = await Task.WhenAll(
            Task.Run(() => _cases.ConfirmAsync(_bola, submitted.Id, pending.Version, Ct), Ct),
            Task.Run(() => _cases.ConfirmAsync(_chidi, submitted.Id, pending.Version, Ct), Ct));

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Single(r => !r.Succeeded).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        (await _outbox.ListAsync(10, Ct)).Count.ShouldBe(1);
        (await _merchants.HistoryAsync(_ada, submitted.Id, Ct)).Count(h => h.Change.StartsWith("approved", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task Sending_back_needs_a_note_keeps_the_case_as_it_was_and_tells_the_proposer_why()
    {
        var submitted = await SubmittedAndCheckedAsync();
        var pending = (await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, submitted.Version, Ct)).Value!;

        (await _cases.SendBackAsync(_bola, submitted.Id, "  ", pending.Version, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        var sentBack = await _cases.SendBackAsync(_bola, submitted.Id, "Check the director's ID against the CAC record first.", pending.Version, Ct);

        var back = sentBack.Value.ShouldNotBeNull(sentBack.Error?.Message);
        back.Proposal.ShouldBeNull();
        back.Status.ShouldBe(submitted.Status);
        (await _outbox.ListAsync(10, Ct)).ShouldBeEmpty();
        var last = (await _merchants.HistoryAsync(_ada, submitted.Id, Ct))[^1];
        last.Change.ShouldContain("sent back");
        last.Note.ShouldBe("Check the director's ID against the CAC record first.");
        (await EventsAsync(AuditActions.MerchantDecisionSentBack)).ShouldHaveSingleItem().ActorId.ShouldBe("user-b");
        // With the proposal gone, the case can be decided (proposed) again.
        (await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, back.Version, Ct)).Value!.Proposal.ShouldNotBeNull();
    }

    [Fact]
    public async Task While_a_proposal_waits_no_other_decision_can_be_made_on_the_case()
    {
        var submitted = await SubmittedAndCheckedAsync();
        var pending = (await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, submitted.Version, Ct)).Value!;

        var other = await _cases.DecideAsync(_bola, submitted.Id, ReviewDecision.RequestInformation, "Send a clearer ID.", pending.Version, Ct);

        other.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        other.Error.Message.ShouldContain("waiting for a second admin");
    }

    [Theory]
    [InlineData("Retail", KybRisk.High, false)]
    [InlineData("Travel and hospitality", KybRisk.High, true)]
    [InlineData("Retail", KybRisk.Medium, true)]
    public async Task The_risk_threshold_decides_which_decisions_need_a_second_admin(string industry, KybRisk threshold, bool fourEyes)
    {
        _options.FourEyesFromRisk = threshold;
        var submitted = await SubmittedAndCheckedAsync(industry);

        var decided = (await _cases.DecideAsync(_ada, submitted.Id, ReviewDecision.Approve, null, submitted.Version, Ct)).Value.ShouldNotBeNull();

        decided.Status.ShouldBe(fourEyes ? submitted.Status : MerchantStatus.Approved);
        (decided.Proposal is not null).ShouldBe(fourEyes);
        (await _cases.LoadAsync(_ada, submitted.Id, Ct))!.FourEyes.ShouldBe(fourEyes);
    }
}
