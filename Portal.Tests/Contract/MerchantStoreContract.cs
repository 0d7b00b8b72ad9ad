using Portal.Core.Merchants;

namespace Portal.Tests.Contract;

/// <summary>
/// What every <see cref="IMerchantStore"/> must do. Each adapter's test class derives from this and supplies a fresh,
/// empty store per test (<see cref="CreateStoreAsync"/>).
/// </summary>
public abstract class MerchantStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
    private int _cac = Random.Shared.Next(100_000, 900_000);

    protected abstract Task<IMerchantStore> CreateStoreAsync();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string NextCac() => (Interlocked.Increment(ref _cac) % 900_000 + 100_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    protected MerchantRecord NewRecord(string? name = null, string? cac = null, DateTimeOffset? createdAt = null, MerchantStatus status = MerchantStatus.Submitted)
    {
        var at = createdAt ?? T0;
        return new MerchantRecord(Guid.CreateVersion7(at), name ?? "Acme Ventures Ltd", cac ?? NextCac(), BusinessType.LimitedLiabilityCompany,
            "12 Marina Road, Lagos", "https://acme.example", "Retail", [1, 2, 3, 4], "hash-" + Guid.NewGuid().ToString("N"), status, null, at, at, 1);
    }

    private static MerchantHistoryEntry Created(MerchantRecord m) => new(m.Id, m.CreatedAt, "test", "Merchant", "created", m.Status, null);

    private static MerchantHistoryEntry Changed(MerchantRecord m, string change) => new(m.Id, m.UpdatedAt, "test", "Admin", change, m.Status, null);

    [Fact]
    public async Task Create_then_get_returns_every_field()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord() with { StatusNote = "note", SealedPii = [9, 8, 7, 0, 255] };

        (await store.CreateAsync(record, Created(record), Ct)).ShouldBe(MerchantWriteOutcome.Done);

        var stored = (await store.GetAsync(record.Id, Ct)).ShouldNotBeNull();
        stored.ShouldBe(record with { SealedPii = stored.SealedPii });
        stored.SealedPii.ShouldBe(record.SealedPii);
    }

    [Fact]
    public async Task Get_of_an_unknown_id_is_null()
    {
        var store = await CreateStoreAsync();
        (await store.GetAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_taken_cac_number_is_refused()
    {
        var store = await CreateStoreAsync();
        var first = NewRecord(cac: "123456");
        await store.CreateAsync(first, Created(first), Ct);
        var second = NewRecord(name: "Other", cac: "123456");

        (await store.CreateAsync(second, Created(second), Ct)).ShouldBe(MerchantWriteOutcome.DuplicateCac);
        (await store.GetAsync(second.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_taken_id_is_refused()
    {
        var store = await CreateStoreAsync();
        var first = NewRecord();
        await store.CreateAsync(first, Created(first), Ct);

        (await store.CreateAsync(first with { CacNumber = NextCac() }, Created(first), Ct)).ShouldBe(MerchantWriteOutcome.DuplicateId);
    }

    [Fact]
    public async Task Twenty_concurrent_creates_with_one_cac_number_make_exactly_one_merchant()
    {
        var store = await CreateStoreAsync();
        var cac = NextCac();
        var records = Enumerable.Range(0, 20).Select(i => NewRecord(name: $"Racer {i}", cac: cac)).ToList();

        var outcomes = await Task.WhenAll(records.Select(r => Task.Run(() => store.CreateAsync(r, Created(r), Ct), Ct)));

        outcomes.Count(o => o == MerchantWriteOutcome.Done).ShouldBe(1);
        outcomes.Count(o => o == MerchantWriteOutcome.DuplicateCac).ShouldBe(19);
        (await store.ListAsync(new MerchantListQuery(100, CacNumber: cac), Ct)).Items.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Update_with_the_current_version_applies_and_records_history()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord();
        await store.CreateAsync(record, Created(record), Ct);
        var approved = record with { Status = MerchantStatus.Approved, StatusNote = "ok", Version = 2, UpdatedAt = T0.AddHours(1) };

        (await store.UpdateAsync(approved, expectedVersion: 1, Changed(approved, "approved"), Ct)).ShouldBe(MerchantWriteOutcome.Done);

        (await store.GetAsync(record.Id, Ct))!.Status.ShouldBe(MerchantStatus.Approved);
        var history = await store.HistoryAsync(record.Id, Ct);
        history.Select(h => h.Change).ShouldBe(["created", "approved"]);
        history[1].Status.ShouldBe(MerchantStatus.Approved);
    }

    [Fact]
    public async Task Update_with_a_stale_version_is_a_conflict_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord();
        await store.CreateAsync(record, Created(record), Ct);
        var first = record with { BusinessName = "First edit", Version = 2 };
        await store.UpdateAsync(first, 1, Changed(first, "edited"), Ct);
        var second = record with { BusinessName = "Second edit", Version = 2 };

        (await store.UpdateAsync(second, 1, Changed(second, "edited"), Ct)).ShouldBe(MerchantWriteOutcome.VersionConflict);

        (await store.GetAsync(record.Id, Ct))!.BusinessName.ShouldBe("First edit");
        (await store.HistoryAsync(record.Id, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Update_of_an_unknown_merchant_is_not_found()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord() with { Version = 2 };
        (await store.UpdateAsync(record, 1, Changed(record, "edited"), Ct)).ShouldBe(MerchantWriteOutcome.NotFound);
    }

    [Fact]
    public async Task Changing_the_cac_number_moves_the_uniqueness_with_it()
    {
        var store = await CreateStoreAsync();
        var a = NewRecord(cac: "200001");
        var b = NewRecord(cac: "200002");
        await store.CreateAsync(a, Created(a), Ct);
        await store.CreateAsync(b, Created(b), Ct);

        var clash = a with { CacNumber = "200002", Version = 2 };
        (await store.UpdateAsync(clash, 1, Changed(clash, "edited"), Ct)).ShouldBe(MerchantWriteOutcome.DuplicateCac);

        var moved = a with { CacNumber = "200003", Version = 2 };
        (await store.UpdateAsync(moved, 1, Changed(moved, "edited"), Ct)).ShouldBe(MerchantWriteOutcome.Done);
        var reuse = NewRecord(cac: "200001");
        (await store.CreateAsync(reuse, Created(reuse), Ct)).ShouldBe(MerchantWriteOutcome.Done);
        var taken = NewRecord(cac: "200003");
        (await store.CreateAsync(taken, Created(taken), Ct)).ShouldBe(MerchantWriteOutcome.DuplicateCac);
    }

    [Fact]
    public async Task Listing_is_newest_first_and_pages_without_gaps_or_repeats()
    {
        var store = await CreateStoreAsync();
        var records = Enumerable.Range(0, 7).Select(i => NewRecord(name: $"Shop {i}", createdAt: T0.AddMinutes(i))).ToList();
        foreach (var r in records)
        {
            await store.CreateAsync(r, Created(r), Ct);
        }

        var seen = new List<Guid>();
        MerchantKeyset? after = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(new MerchantListQuery(3, After: after), Ct);
            page.Items.Count.ShouldBeLessThanOrEqualTo(3);
            seen.AddRange(page.Items.Select(i => i.Id));
            after = page.Next;
            pages++;
        }
        while (after is not null && pages < 10);

        seen.ShouldBe(records.OrderByDescending(r => r.CreatedAt).Select(r => r.Id).ToList());
        pages.ShouldBe(3);
    }

    [Fact]
    public async Task Listing_filters_by_status_and_exact_cac_number()
    {
        var store = await CreateStoreAsync();
        var approved = NewRecord(status: MerchantStatus.Approved, createdAt: T0);
        var draft = NewRecord(status: MerchantStatus.Draft, createdAt: T0.AddMinutes(1));
        var approved2 = NewRecord(status: MerchantStatus.Approved, createdAt: T0.AddMinutes(2));
        foreach (var r in new[] { approved, draft, approved2 })
        {
            await store.CreateAsync(r, Created(r), Ct);
        }

        (await store.ListAsync(new MerchantListQuery(10, Status: MerchantStatus.Approved), Ct)).Items.Select(i => i.Id).ShouldBe([approved2.Id, approved.Id]);
        (await store.ListAsync(new MerchantListQuery(10, CacNumber: draft.CacNumber), Ct)).Items.ShouldHaveSingleItem().Id.ShouldBe(draft.Id);
        (await store.ListAsync(new MerchantListQuery(10, CacNumber: "999999"), Ct)).Items.ShouldBeEmpty();
        (await store.ListAsync(new MerchantListQuery(10, Status: MerchantStatus.Rejected), Ct)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Listing_by_name_prefix_is_case_insensitive_ordered_by_name_and_pages()
    {
        var store = await CreateStoreAsync();
        var names = new[] { "Zenith Foods", "acme bakery", "Acme Ventures", "ACME Motors", "Bolt Logistics", "Acme" };
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var r = NewRecord(name: name, createdAt: T0.AddMinutes(i));
            await store.CreateAsync(r, Created(r), Ct);
        }

        var first = await store.ListAsync(new MerchantListQuery(2, NamePrefix: "acme"), Ct);
        // A name that is a prefix of another sorts first, in every adapter.
        first.Items.Select(i => i.BusinessName).ShouldBe(["Acme", "acme bakery"]);
        var second = await store.ListAsync(new MerchantListQuery(2, NamePrefix: "acme", After: first.Next), Ct);
        second.Items.Select(i => i.BusinessName).ShouldBe(["ACME Motors", "Acme Ventures"]);
        second.Next.ShouldBeNull();
    }

    [Fact]
    public async Task Counts_by_status_follow_creates_and_status_changes()
    {
        var store = await CreateStoreAsync();
        var a = NewRecord(status: MerchantStatus.Submitted);
        var b = NewRecord(status: MerchantStatus.Submitted);
        await store.CreateAsync(a, Created(a), Ct);
        await store.CreateAsync(b, Created(b), Ct);
        var approved = a with { Status = MerchantStatus.Approved, Version = 2 };
        await store.UpdateAsync(approved, 1, Changed(approved, "approved"), Ct);

        var counts = await store.CountByStatusAsync(Ct);

        counts.GetValueOrDefault(MerchantStatus.Submitted).ShouldBe(1);
        counts.GetValueOrDefault(MerchantStatus.Approved).ShouldBe(1);
        counts.GetValueOrDefault(MerchantStatus.Rejected).ShouldBe(0);
    }

    private async Task<MerchantRecord> QueuedAsync(IMerchantStore store, DateTimeOffset submittedAt, MerchantStatus status = MerchantStatus.Submitted, string? assignedTo = null,
        DateTimeOffset? createdAt = null)
    {
        var record = NewRecord(createdAt: createdAt ?? T0, status: status) with { SubmittedAt = submittedAt, AssignedTo = assignedTo };
        (await store.CreateAsync(record, Created(record), Ct)).ShouldBe(MerchantWriteOutcome.Done);
        return record;
    }

    private static async Task<List<Guid>> ReadQueueAsync(IMerchantStore store, MerchantQueueQuery query)
    {
        var ids = new List<Guid>();
        for (var page = await store.QueueAsync(query, Ct); ; page = await store.QueueAsync(query with { After = page.Next }, Ct))
        {
            page.Items.Count.ShouldBeLessThanOrEqualTo(query.Limit);
            ids.AddRange(page.Items.Select(i => i.Id));
            if (page.Next is null)
            {
                return ids;
            }
        }
    }

    [Fact]
    public async Task Queue_lists_awaiting_cases_oldest_submission_first_and_pages_without_gaps()
    {
        var store = await CreateStoreAsync();
        // Created in one order, submitted in another: the queue follows submission.
        var queued = new List<MerchantRecord>();
        for (var i = 0; i < 7; i++)
        {
            var status = (i % 3) switch { 0 => MerchantStatus.Submitted, 1 => MerchantStatus.InReview, _ => MerchantStatus.MoreInformationRequested };
            queued.Add(await QueuedAsync(store, T0.AddHours(10 - i), status, createdAt: T0.AddMinutes(i)));
        }

        await QueuedAsync(store, T0, MerchantStatus.Approved);
        await QueuedAsync(store, T0, MerchantStatus.Rejected);
        var draft = NewRecord(status: MerchantStatus.Draft);
        await store.CreateAsync(draft, Created(draft), Ct);

        var seen = await ReadQueueAsync(store, new MerchantQueueQuery(3));

        seen.ShouldBe(queued.OrderBy(r => r.SubmittedAt).Select(r => r.Id).ToList());
        var first = (await store.QueueAsync(new MerchantQueueQuery(1), Ct)).Items.Single();
        first.SubmittedAt.ShouldBe(queued[^1].SubmittedAt);
        first.Version.ShouldBe(1);
    }

    [Fact]
    public async Task Queue_filters_by_status_assignee_and_submission_cut_off()
    {
        var store = await CreateStoreAsync();
        var old = await QueuedAsync(store, T0, MerchantStatus.InReview, "ada@portal.example");
        var mid = await QueuedAsync(store, T0.AddHours(1), MerchantStatus.Submitted);
        var recent = await QueuedAsync(store, T0.AddHours(2), MerchantStatus.Submitted, "bola@portal.example");
        var sameTime = await QueuedAsync(store, T0.AddHours(2), MerchantStatus.MoreInformationRequested, "ada@portal.example");

        (await ReadQueueAsync(store, new MerchantQueueQuery(1, Status: MerchantStatus.Submitted))).ShouldBe([mid.Id, recent.Id]);
        (await ReadQueueAsync(store, new MerchantQueueQuery(1, Assignee: QueueAssignee.Assigned, AssignedTo: "ada@portal.example"))).ShouldBe([old.Id, sameTime.Id]);
        (await ReadQueueAsync(store, new MerchantQueueQuery(5, Assignee: QueueAssignee.Unassigned))).ShouldBe([mid.Id]);
        // Strictly before the cut-off: a case submitted exactly at it is not past it.
        (await ReadQueueAsync(store, new MerchantQueueQuery(5, SubmittedBefore: T0.AddHours(2)))).ShouldBe([old.Id, mid.Id]);
        (await ReadQueueAsync(store, new MerchantQueueQuery(5, Status: MerchantStatus.Submitted, Assignee: QueueAssignee.Unassigned, SubmittedBefore: T0.AddHours(3))))
            .ShouldBe([mid.Id]);
    }

    [Fact]
    public async Task A_case_leaves_the_queue_when_decided_and_keeps_its_assignee()
    {
        var store = await CreateStoreAsync();
        var record = await QueuedAsync(store, T0, MerchantStatus.Submitted);
        var assigned = record with { AssignedTo = "ada@portal.example", Version = 2, UpdatedAt = T0.AddMinutes(5) };
        (await store.UpdateAsync(assigned, 1, Changed(assigned, "assigned"), Ct)).ShouldBe(MerchantWriteOutcome.Done);
        // A second admin acting on the version they loaded is refused, not silently overwriting the first.
        var stale = record with { AssignedTo = "bola@portal.example", Version = 2 };
        (await store.UpdateAsync(stale, 1, Changed(stale, "assigned"), Ct)).ShouldBe(MerchantWriteOutcome.VersionConflict);
        (await store.QueueAsync(new MerchantQueueQuery(5), Ct)).Items.Single().AssignedTo.ShouldBe("ada@portal.example");

        var approved = assigned with { Status = MerchantStatus.Approved, Version = 3 };
        (await store.UpdateAsync(approved, 2, Changed(approved, "approved"), Ct)).ShouldBe(MerchantWriteOutcome.Done);

        (await store.QueueAsync(new MerchantQueueQuery(5), Ct)).Items.ShouldBeEmpty();
        (await store.GetAsync(record.Id, Ct)).ShouldNotBeNull().AssignedTo.ShouldBe("ada@portal.example");
        (await store.GetAsync(record.Id, Ct))!.SubmittedAt.ShouldBe(T0);
    }

    [Fact]
    public async Task A_pending_proposal_round_trips_shows_in_the_queue_and_only_one_of_two_confirmations_commits()
    {
        var store = await CreateStoreAsync();
        var record = await QueuedAsync(store, T0, MerchantStatus.InReview);
        var proposal = new KybProposal(ReviewDecision.Reject, "Directors do not match the CAC record.", "user-ada", "ada@portal.example", T0.AddMinutes(3));
        var proposed = record with { Proposal = proposal, Version = 2, UpdatedAt = T0.AddMinutes(3) };
        (await store.UpdateAsync(proposed, 1, Changed(proposed, "rejection proposed"), Ct)).ShouldBe(MerchantWriteOutcome.Done);

        (await store.GetAsync(record.Id, Ct)).ShouldNotBeNull().Proposal.ShouldBe(proposal);
        (await store.QueueAsync(new MerchantQueueQuery(5), Ct)).Items.Single().Proposal.ShouldBe(proposal);

        // Two second admins confirm the version they both loaded: the store lets exactly one through.
        var confirmations = Enumerable.Range(0, 2).Select(_ => proposed with { Status = MerchantStatus.Rejected, Proposal = null, Version = 3 }).ToList();
        var outcomes = await Task.WhenAll(confirmations.Select(c => Task.Run(() => store.UpdateAsync(c, 2, Changed(c, "rejected"), Ct), Ct)));

        outcomes.Count(o => o == MerchantWriteOutcome.Done).ShouldBe(1);
        outcomes.Count(o => o == MerchantWriteOutcome.VersionConflict).ShouldBe(1);
        var stored = (await store.GetAsync(record.Id, Ct)).ShouldNotBeNull();
        stored.Proposal.ShouldBeNull();
        stored.Status.ShouldBe(MerchantStatus.Rejected);
        (await store.HistoryAsync(record.Id, Ct)).Count(h => h.Change == "rejected").ShouldBe(1);
    }
}
