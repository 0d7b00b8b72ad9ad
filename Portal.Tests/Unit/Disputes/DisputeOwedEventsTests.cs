using Portal.Core.Disputes;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Disputes;

/// <summary>
/// A dispute and its webhook event live in two databases, so the event is owed in the dispute's own write and moved into the
/// outbox after it (<see cref="DisputeOutbox.PublishAsync"/>); a stop in between is repaired by the sweep, and nothing goes out twice.
/// </summary>
public sealed class DisputeOwedEventsTests : IAsyncLifetime
{
    private DisputeTestBed _t = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _t = await DisputeTestBed.CreateAsync();

    public async ValueTask DisposeAsync() => await _t.DisposeAsync();

    /// <summary>What a process that stopped right after the dispute's write leaves: the change stored, its event owed, not in the outbox.</summary>
    private async Task<Dispute> ChangedButNotPublishedAsync(Dispute dispute, string type)
    {
        var owing = dispute.Announcing(type, _t.Bed.Clock.GetUtcNow()) with { Reason = "changed", Version = dispute.Version + 1 };
        (await _t.Store.UpdateAsync(owing, dispute.Version, Ct)).ShouldBe(DisputeWriteOutcome.Done);
        return owing;
    }

    [Fact]
    public async Task A_change_that_completes_owes_nothing_afterwards()
    {
        var (payment, dispute) = await _t.DisputedAsync();

        (await _t.Store.GetAsync(dispute.Id, Ct))!.PendingEvents.ShouldBeEmpty();
        (await _t.Service.RecordOutcomeAsync(DisputeTestBed.Admin, dispute.Id, DisputeStatus.Won, null, Ct)).Succeeded.ShouldBeTrue();

        (await _t.Store.GetAsync(dispute.Id, Ct))!.PendingEvents.ShouldBeEmpty();
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeClosed]);
        (await _t.Store.OwingEventsSinceBeforeAsync(DateTimeOffset.MaxValue, 10, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_event_left_owed_by_a_stop_is_published_by_the_sweep_after_the_grace_period_once()
    {
        var (payment, dispute) = await _t.DisputedAsync();
        var owing = await ChangedButNotPublishedAsync(dispute, PaymentEventTypes.DisputeUpdated);

        (await _t.Sweeper.PublishOwedEventsAsync(Ct)).ShouldBe(0); // within the grace period: the request may still be publishing
        _t.Bed.Clock.Advance(TimeSpan.FromSeconds(_t.Options.OwedEventGraceSeconds + 1));
        (await _t.Sweeper.PublishOwedEventsAsync(Ct)).ShouldBe(1);
        (await _t.Sweeper.PublishOwedEventsAsync(Ct)).ShouldBe(0);

        var events = await _t.WebhookEventsAsync(payment.Id);
        events.Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeUpdated]);
        events[1].Id.ShouldBe(owing.PendingEvents.Single().Id);
        events[1].Data.ShouldContain($"\"id\":\"{dispute.DisplayId}\"");
        (await _t.Store.GetAsync(dispute.Id, Ct))!.PendingEvents.ShouldBeEmpty();
    }

    [Fact]
    public async Task Publishing_the_same_owed_event_from_two_places_at_once_appends_it_once()
    {
        var (payment, dispute) = await _t.DisputedAsync();
        var owing = await ChangedButNotPublishedAsync(dispute, PaymentEventTypes.DisputeUpdated);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => _t.Outbox.PublishAsync(owing, Ct), Ct)));

        (await _t.WebhookEventsAsync(payment.Id)).Count(e => e.Type == PaymentEventTypes.DisputeUpdated).ShouldBe(1);
    }

    [Fact]
    public async Task The_next_change_carries_an_owed_event_along_and_publishes_both_in_order()
    {
        var (payment, dispute) = await _t.DisputedAsync();
        await ChangedButNotPublishedAsync(dispute, PaymentEventTypes.DisputeUpdated);
        _t.Bed.Clock.Advance(TimeSpan.FromSeconds(1));

        (await _t.Service.RecordOutcomeAsync(DisputeTestBed.Admin, dispute.Id, DisputeStatus.Lost, null, Ct)).Succeeded.ShouldBeTrue();

        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type)
            .ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeUpdated, PaymentEventTypes.DisputeClosed]);
        (await _t.Store.GetAsync(dispute.Id, Ct))!.PendingEvents.ShouldBeEmpty();
    }
}
