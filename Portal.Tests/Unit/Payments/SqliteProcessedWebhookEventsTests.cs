using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Adapters.Embedded;

namespace Portal.Tests.Unit.Payments;

public sealed class SqliteProcessedWebhookEventsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-webhook-event-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly SqliteProcessedWebhookEvents _events;

    public SqliteProcessedWebhookEventsTests() => _events = new(new SqliteDatabase(Path.Combine(_folder, "portal.db"), EmbeddedSchemas.Portal), _clock);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task An_event_id_is_recorded_once_per_source()
    {
        var ct = TestContext.Current.CancellationToken;
        (await _events.TryRecordAsync("stripe", "evt_1", ct)).ShouldBeTrue();
        (await _events.TryRecordAsync("stripe", "evt_1", ct)).ShouldBeFalse();
        (await _events.TryRecordAsync("other", "evt_1", ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task Twenty_concurrent_deliveries_of_one_event_record_it_once()
    {
        var firsts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => _events.TryRecordAsync("stripe", "evt_race", CancellationToken.None))));

        firsts.Count(first => first).ShouldBe(1);
    }

    [Fact]
    public async Task Entries_are_kept_seven_days()
    {
        var ct = TestContext.Current.CancellationToken;
        await _events.TryRecordAsync("stripe", "evt_old", ct);

        _clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        (await _events.TryRecordAsync("stripe", "evt_old", ct)).ShouldBeFalse();
        _clock.Advance(TimeSpan.FromMinutes(2));
        (await _events.TryRecordAsync("stripe", "evt_old", ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task Contains_sees_recorded_events_until_they_expire()
    {
        var ct = TestContext.Current.CancellationToken;
        (await _events.ContainsAsync("stripe", "evt_seen", ct)).ShouldBeFalse();
        await _events.TryRecordAsync("stripe", "evt_seen", ct);

        (await _events.ContainsAsync("stripe", "evt_seen", ct)).ShouldBeTrue();
        (await _events.ContainsAsync("other", "evt_seen", ct)).ShouldBeFalse();
        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        (await _events.ContainsAsync("stripe", "evt_seen", ct)).ShouldBeFalse();
    }
}
