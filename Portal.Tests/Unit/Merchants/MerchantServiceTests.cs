using Portal.Tests.Infrastructure;
using System.Security.Cryptography;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Merchants;

namespace Portal.Tests.Unit.Merchants;

/// <summary>The merchant use cases over the real embedded adapters in a temp folder, with a fake clock.</summary>
public sealed class MerchantServiceTests : IAsyncLifetime
{
    private readonly EmbeddedTestBed _bed = new("merchant-service");
    private readonly Actor _merchant = new("user-m", "m@shop.example", "Merchant", Guid.CreateVersion7(), "10.0.0.9");
    private readonly Actor _admin = new("user-a", "admin@portal.example", "Admin", null, "10.0.0.1");
    private SqliteMerchantStore _store = default!;
    private MerchantService _service = default!;

    public ValueTask InitializeAsync()
    {
        var keys = _bed.Keys;
        _store = new SqliteMerchantStore(_bed.Database("portal.db"));
        _service = new MerchantService(_store, new MerchantPiiVault(keys), new MerchantCursor(keys), _bed.Audit, _bed.Clock);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private static KybForm CompleteForm(string cac = "314159") => KybForms.Complete(cac);

    private async Task<Merchant> SubmittedAsync()
    {
        var draft = await _service.SaveDraftAsync(_merchant, CompleteForm(), null);
        return (await _service.SubmitAsync(_merchant, CompleteForm(), draft.Value!.Version)).Value!;
    }

    [Fact]
    public async Task Register_refuses_compliance_and_audits_the_attempt()
    {
        var compliance = new Actor("user-c", "c@portal.example", "Compliance", null, "10.0.0.2");

        var result = await _service.RegisterAsync(compliance, new RegisterMerchantRequest("Lagos Crafts Ltd", "314159", "hello@lagoscrafts.example"));

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        result.Error!.Message.ShouldContain("read-only");
        var events = await _bed.Audit.QueryAsync(new AuditQuery(Action: "merchant.created", ActorId: "user-c"));
        events.Events.ShouldContain(e => e.Outcome == AuditOutcome.Denied);
    }

    [Fact]
    public async Task Compliance_cannot_take_or_decide_a_kyc_case_and_each_attempt_is_audited()
    {
        var compliance = new Actor("user-c", "c@portal.example", "Compliance", null, "10.0.0.2");
        var submitted = await SubmittedAsync();

        var assigned = await _service.AssignAsync(compliance, submitted.Id, submitted.Version);
        var approved = await _service.ReviewAsync(compliance, submitted.Id, ReviewDecision.Approve, null, submitted.Version);

        assigned.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        approved.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        (await _service.GetOwnAsync(_merchant))!.Status.ShouldBe(MerchantStatus.Submitted);
        var denied = (await _bed.Audit.QueryAsync(new AuditQuery(ActorId: "user-c"))).Events.Where(e => e.Outcome == AuditOutcome.Denied).Select(e => e.Action).ToList();
        denied.ShouldContain("merchant.assigned");
        denied.ShouldContain("merchant.approve");
    }

    [Fact]
    public async Task A_draft_saves_step_by_step_and_resumes_with_every_field()
    {
        var form = new KybForm { BusinessName = "Lagos Crafts Ltd", CacNumber = "314159", BusinessType = BusinessType.Partnership, RegisteredAddress = "14 Admiralty Way", Industry = "Retail" };
        var first = await _service.SaveDraftAsync(_merchant, form, null);
        first.Succeeded.ShouldBeTrue(first.Error?.Message);
        first.Value!.Status.ShouldBe(MerchantStatus.Draft);

        form.ContactEmail = "a@b.co";
        form.ContactPhone = "0803 123 4567";
        (await _service.SaveDraftAsync(_merchant, form, first.Value.Version)).Succeeded.ShouldBeTrue();

        var resumed = await _service.GetOwnAsync(_merchant);
        resumed!.Pii.ContactPhone.ShouldBe("+2348031234567");
        _service.Kyb.FirstIncompleteStep(MerchantService.ToForm(resumed)).ShouldBe(KybStep.Owners);
    }

    [Fact]
    public async Task Submitting_an_incomplete_application_names_what_is_missing()
    {
        var form = CompleteForm();
        form.Owners.Clear();
        form.AccountNumber = "12345";

        var result = await _service.SubmitAsync(_merchant, form, 0);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        result.Error!.Fields!.Keys.ShouldContain("Owners");
        result.Error!.Fields!.Keys.ShouldContain("AccountNumber");
        (await _service.GetOwnAsync(_merchant)).ShouldBeNull();
    }

    [Fact]
    public async Task Submitted_applications_can_no_longer_be_edited_by_the_merchant()
    {
        var submitted = await SubmittedAsync();
        submitted.Status.ShouldBe(MerchantStatus.Submitted);

        var edit = await _service.SaveDraftAsync(_merchant, CompleteForm(), submitted.Version);

        edit.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public async Task Requesting_information_reopens_the_application_with_the_reviewers_message()
    {
        var submitted = await SubmittedAsync();

        var asked = await _service.ReviewAsync(_admin, submitted.Id, ReviewDecision.RequestInformation, "Upload a clearer ID", submitted.Version);

        asked.Value!.Status.ShouldBe(MerchantStatus.MoreInformationRequested);
        var own = (await _service.GetOwnAsync(_merchant))!;
        own.StatusNote.ShouldBe("Upload a clearer ID");
        (await _service.SubmitAsync(_merchant, CompleteForm(), own.Version)).Value!.Status.ShouldBe(MerchantStatus.Submitted);
        var history = await _service.HistoryAsync(_merchant, own.Id);
        history.Select(h => h.Change).ShouldContain("more information requested");
    }

    [Theory]
    [InlineData(ReviewDecision.Reject, null)]
    [InlineData(ReviewDecision.Reject, "  ")]
    [InlineData(ReviewDecision.RequestInformation, "")]
    public async Task Rejections_and_requests_need_a_message(ReviewDecision decision, string? note)
    {
        var submitted = await SubmittedAsync();
        (await _service.ReviewAsync(_admin, submitted.Id, decision, note, submitted.Version)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
    }

    [Fact]
    public async Task Two_admins_deciding_on_one_version_get_one_success_and_one_clear_conflict()
    {
        var submitted = await SubmittedAsync();
        var other = _admin with { UserId = "user-b", Name = "second@portal.example" };

        var approve = await _service.ReviewAsync(_admin, submitted.Id, ReviewDecision.Approve, null, submitted.Version);
        var reject = await _service.ReviewAsync(other, submitted.Id, ReviewDecision.Reject, "Bad docs", submitted.Version);

        approve.Succeeded.ShouldBeTrue();
        reject.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        reject.Error!.Message.ShouldContain("Someone else changed this merchant");
        (await _service.GetOwnAsync(_merchant))!.Status.ShouldBe(MerchantStatus.Approved);
    }

    [Fact]
    public async Task Approved_merchants_cannot_be_approved_or_rejected_again()
    {
        var submitted = await SubmittedAsync();
        var approved = (await _service.ReviewAsync(_admin, submitted.Id, ReviewDecision.Approve, null, submitted.Version)).Value!;

        (await _service.ReviewAsync(_admin, submitted.Id, ReviewDecision.Reject, "late", approved.Version)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public async Task Merchants_cannot_review_or_read_another_merchant()
    {
        var submitted = await SubmittedAsync();
        var stranger = _merchant with { UserId = "user-x", MerchantId = Guid.CreateVersion7() };

        (await _service.ReviewAsync(_merchant, submitted.Id, ReviewDecision.Approve, null, submitted.Version)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        (await _service.GetAsync(stranger, submitted.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _service.HistoryAsync(stranger, submitted.Id)).ShouldBeEmpty();
        (await _service.RevealAccountNumberAsync(stranger, submitted.Id)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _service.ListAsync(_merchant, null, null, null, null, null)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
    }

    [Fact]
    public async Task Revealing_the_account_number_is_audited()
    {
        var submitted = await SubmittedAsync();

        (await _service.RevealAccountNumberAsync(_admin, submitted.Id)).Value.ShouldBe("0123456789");

        var events = await _bed.Audit.QueryAsync(new AuditQuery(Action: "merchant.bank_account_revealed"));
        events.Events.ShouldHaveSingleItem().ActorId.ShouldBe("user-a");
    }

    [Fact]
    public async Task Pii_is_sealed_at_rest_and_tampering_fails_loudly()
    {
        var submitted = await SubmittedAsync();
        var record = (await _store.GetAsync(submitted.Id, CancellationToken.None))!;
        System.Text.Encoding.UTF8.GetString(record.SealedPii).ShouldNotContain("0123456789");
        System.Text.Encoding.UTF8.GetString(record.SealedPii).ShouldNotContain("lagoscrafts");

        var tampered = record.SealedPii.ToArray();
        tampered[^1] ^= 0x01;
        await _store.UpdateAsync(record with { SealedPii = tampered, Version = record.Version + 1 }, record.Version,
            new MerchantHistoryEntry(record.Id, _bed.Clock.GetUtcNow(), "attacker", null, "edited", record.Status, null), CancellationToken.None);

        await Should.ThrowAsync<AuthenticationTagMismatchException>(() => _service.GetAsync(_admin, submitted.Id));
    }

    [Fact]
    public async Task Sealed_pii_cannot_be_moved_to_another_merchant()
    {
        var submitted = await SubmittedAsync();
        var otherMerchant = _merchant with { UserId = "user-2", MerchantId = Guid.CreateVersion7() };
        var other = (await _service.SaveDraftAsync(otherMerchant, CompleteForm("271828"), null)).Value!;
        var source = (await _store.GetAsync(submitted.Id, CancellationToken.None))!;
        var target = (await _store.GetAsync(other.Id, CancellationToken.None))!;
        await _store.UpdateAsync(target with { SealedPii = source.SealedPii, Version = target.Version + 1 }, target.Version,
            new MerchantHistoryEntry(target.Id, _bed.Clock.GetUtcNow(), "attacker", null, "edited", target.Status, null), CancellationToken.None);

        await Should.ThrowAsync<CryptographicException>(() => _service.GetAsync(_admin, other.Id));
    }
}
