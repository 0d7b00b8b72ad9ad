using Portal.Core;
using Portal.Core.Disputes;

namespace Portal.Tests.Contract;

/// <summary>
/// What every <see cref="IDisputeStore"/> must do. Each adapter's test class derives from this and supplies a fresh, empty
/// store per test (<see cref="CreateStoreAsync"/>).
/// </summary>
public abstract class DisputeStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    protected abstract Task<IDisputeStore> CreateStoreAsync();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static Dispute NewDispute(Guid? merchant = null, DateTimeOffset? createdAt = null, DisputeStatus status = DisputeStatus.NeedsResponse,
        DateTimeOffset? dueBy = null, string? processorId = null)
    {
        var at = createdAt ?? T0;
        return new Dispute(Guid.CreateVersion7(at), "sandbox", processorId ?? "dp_proc_" + Guid.NewGuid().ToString("N"), Guid.CreateVersion7(at), merchant ?? Guid.CreateVersion7(at),
            "fraudulent", new Money(4200, "usd"), dueBy ?? at.AddDays(7), status, EvidenceState.None, DisputeEvidence.Empty, [], at, at, at, "processor", null, null, 1);
    }

    [Fact]
    public async Task Create_then_get_returns_every_field()
    {
        var store = await CreateStoreAsync();
        var dispute = NewDispute() with
        {
            EvidenceState = EvidenceState.Draft,
            Evidence = new DisputeEvidence("Blue scarf", "Ada Obi", "ada@example.com", "12 Marina Road", "2026-10-30", "DHL", "JD0142", "30 days", "n/a", "Delivered \"on time\" ✓"),
            Files = [new EvidenceFile(Guid.CreateVersion7(), EvidenceFileType.Receipt, "disputes/x/y/z", "v1", "application/pdf", 1234, new string('a', 64), T0)],
            SubmittedAt = T0.AddHours(1),
            ReminderSentAt = T0.AddHours(2),
            LastEventAt = T0.AddTicks(7),
        };

        (await store.CreateAsync(dispute, Ct)).ShouldBe(DisputeWriteOutcome.Done);

        var stored = (await store.GetAsync(dispute.Id, Ct)).ShouldNotBeNull();
        stored.ShouldBe(dispute with { Files = stored.Files });
        stored.Files.ShouldBe(dispute.Files);
        (await store.GetByProcessorIdAsync("sandbox", dispute.ProcessorDisputeId, Ct)).ShouldNotBeNull().Id.ShouldBe(dispute.Id);
    }

    [Fact]
    public async Task Owed_webhook_events_are_kept_with_the_dispute_and_listed_until_cleared()
    {
        var store = await CreateStoreAsync();
        var owing = NewDispute().Announcing("dispute.created", T0).Announcing("dispute.closed", T0.AddSeconds(1));
        var owingLater = NewDispute(createdAt: T0.AddMinutes(5)).Announcing("dispute.created", T0.AddMinutes(5));
        var settled = NewDispute(createdAt: T0.AddMinutes(1));
        foreach (var d in new[] { owing, owingLater, settled })
        {
            (await store.CreateAsync(d, Ct)).ShouldBe(DisputeWriteOutcome.Done);
        }

        (await store.GetAsync(owing.Id, Ct)).ShouldNotBeNull().PendingEvents.ShouldBe(owing.PendingEvents);
        (await store.OwingEventsSinceBeforeAsync(T0.AddMinutes(10), 10, Ct)).Select(d => d.Id).ShouldBe([owing.Id, owingLater.Id]);
        (await store.OwingEventsSinceBeforeAsync(T0.AddMinutes(1), 10, Ct)).Select(d => d.Id).ShouldBe([owing.Id]);

        (await store.UpdateAsync(owing with { PendingEvents = [] }, owing.Version, Ct)).ShouldBe(DisputeWriteOutcome.Done);

        (await store.GetAsync(owing.Id, Ct)).ShouldNotBeNull().PendingEvents.ShouldBeEmpty();
        (await store.OwingEventsSinceBeforeAsync(T0.AddMinutes(10), 10, Ct)).Select(d => d.Id).ShouldBe([owingLater.Id]);
    }

    [Fact]
    public async Task Unknown_ids_are_null()
    {
        var store = await CreateStoreAsync();
        (await store.GetAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
        (await store.GetByProcessorIdAsync("stripe", "du_unknown", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_second_dispute_with_the_same_processor_id_is_refused_and_another_processor_may_use_it()
    {
        var store = await CreateStoreAsync();
        var first = NewDispute(processorId: "du_same");
        await store.CreateAsync(first, Ct);

        (await store.CreateAsync(NewDispute(processorId: "du_same"), Ct)).ShouldBe(DisputeWriteOutcome.Duplicate);
        (await store.CreateAsync(NewDispute(processorId: "du_same") with { Processor = "stripe" }, Ct)).ShouldBe(DisputeWriteOutcome.Done);
        (await store.GetByProcessorIdAsync("sandbox", "du_same", Ct))!.Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_processor_dispute_store_one()
    {
        var store = await CreateStoreAsync();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => store.CreateAsync(NewDispute(processorId: "du_race"), Ct))));

        outcomes.Count(o => o == DisputeWriteOutcome.Done).ShouldBe(1);
        outcomes.Count(o => o == DisputeWriteOutcome.Duplicate).ShouldBe(9);
    }

    [Fact]
    public async Task Update_is_conditional_on_the_version()
    {
        var store = await CreateStoreAsync();
        var dispute = NewDispute();
        await store.CreateAsync(dispute, Ct);
        var updated = dispute with { Status = DisputeStatus.UnderReview, EvidenceState = EvidenceState.Submitted, Version = 2, UpdatedBy = "ada@shop.example" };

        (await store.UpdateAsync(updated, 1, Ct)).ShouldBe(DisputeWriteOutcome.Done);
        (await store.UpdateAsync(updated with { Status = DisputeStatus.Accepted, Version = 3 }, 1, Ct)).ShouldBe(DisputeWriteOutcome.VersionConflict);
        (await store.UpdateAsync(NewDispute(), 1, Ct)).ShouldBe(DisputeWriteOutcome.NotFound);
        var stored = (await store.GetAsync(dispute.Id, Ct)).ShouldNotBeNull();
        stored.ShouldBe(updated with { Files = stored.Files });
    }

    [Fact]
    public async Task Listing_pages_newest_first_by_merchant_and_by_status()
    {
        var store = await CreateStoreAsync();
        var merchant = Guid.CreateVersion7();
        var mine = Enumerable.Range(0, 5).Select(i => NewDispute(merchant, T0.AddMinutes(i), i % 2 == 0 ? DisputeStatus.NeedsResponse : DisputeStatus.Won)).ToList();
        var others = Enumerable.Range(0, 3).Select(i => NewDispute(createdAt: T0.AddMinutes(10 + i))).ToList();
        foreach (var d in mine.Concat(others))
        {
            await store.CreateAsync(d, Ct);
        }

        (await ReadAllAsync(store, new DisputeListQuery(merchant, Limit: 2))).ShouldBe(mine.OrderByDescending(d => d.CreatedAt).Select(d => d.Id).ToList());
        (await ReadAllAsync(store, new DisputeListQuery(merchant, DisputeStatus.Won, Limit: 1))).ShouldBe([mine[3].Id, mine[1].Id]);
        var open = await ReadAllAsync(store, new DisputeListQuery(Status: DisputeStatus.NeedsResponse, Limit: 2));
        open.ShouldBe(mine.Concat(others).Where(d => d.Status == DisputeStatus.NeedsResponse).OrderByDescending(d => d.CreatedAt).Select(d => d.Id).ToList());
        (await ReadAllAsync(store, new DisputeListQuery(Limit: 3))).Count.ShouldBe(8);
    }

    [Fact]
    public async Task Disputes_awaiting_a_response_are_read_by_deadline_and_leave_that_list_once_answered()
    {
        var store = await CreateStoreAsync();
        var late = NewDispute(dueBy: T0.AddHours(1));
        var soon = NewDispute(dueBy: T0.AddHours(30));
        var later = NewDispute(dueBy: T0.AddDays(5));
        var answered = NewDispute(dueBy: T0.AddHours(2), status: DisputeStatus.UnderReview);
        foreach (var d in new[] { later, soon, late, answered })
        {
            await store.CreateAsync(d, Ct);
        }

        (await store.AwaitingResponseDueBeforeAsync(T0.AddDays(2), 10, Ct)).Select(d => d.Id).ShouldBe([late.Id, soon.Id]);

        await store.UpdateAsync(late with { Status = DisputeStatus.Expired, Version = 2 }, 1, Ct);
        (await store.AwaitingResponseDueBeforeAsync(T0.AddDays(2), 10, Ct)).Select(d => d.Id).ShouldBe([soon.Id]);
    }

    [Fact]
    public async Task Counts_a_merchants_disputes_opened_since_a_time()
    {
        var store = await CreateStoreAsync();
        var merchant = Guid.CreateVersion7();
        foreach (var d in new[] { NewDispute(merchant, T0.AddDays(-40)), NewDispute(merchant, T0.AddDays(-3)), NewDispute(merchant, T0), NewDispute(createdAt: T0) })
        {
            await store.CreateAsync(d, Ct);
        }

        (await store.CountOpenedSinceAsync(merchant, T0.AddDays(-30), Ct)).ShouldBe(2);
        (await store.CountOpenedSinceAsync(Guid.CreateVersion7(), T0.AddDays(-30), Ct)).ShouldBe(0);
    }

    private static async Task<List<Guid>> ReadAllAsync(IDisputeStore store, DisputeListQuery query)
    {
        var seen = new List<Guid>();
        for (var (after, pages) = (default(DisputeKeyset), 0); pages == 0 || (after is not null && pages < 20); pages++)
        {
            var page = await store.ListAsync(query with { After = after }, Ct);
            page.Items.Count.ShouldBeLessThanOrEqualTo(query.Limit);
            seen.AddRange(page.Items.Select(i => i.Id));
            after = page.Next;
        }

        return seen;
    }
}
