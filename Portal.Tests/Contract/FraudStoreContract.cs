using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

/// <summary>
/// What every fraud list store, rule store and payment history must do. Each adapter's test class supplies fresh, empty
/// stores per test.
/// </summary>
public abstract class FraudStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2031, 5, 1, 8, 0, 0, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store that is both the list store and the rule store.</summary>
    protected abstract Task<(IFraudListStore Lists, IFraudRuleStore Rules)> CreateStoresAsync();

    /// <summary>A payment store and the history over the same data.</summary>
    protected abstract Task<(IPaymentStore Payments, IPaymentHistory History)> CreatePaymentsAsync();

    private static FraudListEntry Entry(FraudListSubject subject, string value, DateTimeOffset? createdAt = null, DateTimeOffset? expiresAt = null,
        FraudListType list = FraudListType.Block, Guid? merchant = null)
    {
        var at = createdAt ?? T0;
        return new FraudListEntry(Guid.CreateVersion7(at), list, subject, value, merchant, "seen in chargebacks", "u1", "Ada Admin", at, expiresAt, null, 1);
    }

    private static FraudRuleParameters Parameters(int blockAbove = 80) =>
        new(blockAbove, 70, 25, 3, 3, 30, 5, TimeSpan.FromMinutes(5), 15, 20, 40, 500, 3, TimeSpan.FromMinutes(10));

    private static FraudRuleVersion Version(int number, int blockAbove = 80) =>
        new(number, Parameters(blockAbove), [new FraudRuleEditor("u1", "Ada Admin")], "u2", "Bola Admin", T0.AddDays(number), $"v{number}");

    private static FraudRuleDraft Draft(long revision, int blockAbove = 85, string editor = "u1") =>
        new(Parameters(blockAbove), 1, [new FraudRuleEditor(editor, "Ada Admin")], "tighter", T0.AddHours(revision), revision);

    [Fact]
    public async Task Added_entries_read_back_with_every_field()
    {
        var (lists, _) = await CreateStoresAsync();
        var entry = Entry(FraudListSubject.Customer, "cus_9", merchant: Guid.CreateVersion7(), expiresAt: T0.AddDays(3)) with { List = FraudListType.Allow };

        await lists.AddAsync([entry], Ct);

        (await lists.GetAsync(entry.Id, Ct)).ShouldBe(entry);
        (await lists.GetAsync(Guid.CreateVersion7(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Active_entries_leave_out_the_expired_ones()
    {
        var (lists, _) = await CreateStoresAsync();
        var forever = Entry(FraudListSubject.Country, "KP");
        var later = Entry(FraudListSubject.Ip, "203.0.113.0/24", expiresAt: T0.AddHours(2));
        var gone = Entry(FraudListSubject.Device, "dev_1", expiresAt: T0.AddHours(-1));
        await lists.AddAsync([forever, later, gone], Ct);

        (await lists.ActiveAsync(T0, Ct)).Select(e => e.Id).Order().ShouldBe(new[] { forever.Id, later.Id }.Order());
        (await lists.ActiveAsync(T0.AddHours(2), Ct)).Select(e => e.Id).ShouldBe([forever.Id]);
    }

    [Fact]
    public async Task An_update_needs_the_stored_version()
    {
        var (lists, _) = await CreateStoresAsync();
        var entry = Entry(FraudListSubject.EmailDomain, "mailinator.com");
        await lists.AddAsync([entry], Ct);
        var expired = entry with { ExpiresAt = T0.AddMinutes(1), ExpiredBy = "Bola Admin", Version = 2 };

        (await lists.UpdateAsync(expired, 1, Ct)).ShouldBeTrue();
        (await lists.UpdateAsync(expired with { ExpiredBy = "Late" , Version = 3 }, 1, Ct)).ShouldBeFalse();

        (await lists.GetAsync(entry.Id, Ct)).ShouldBe(expired);
    }

    [Fact]
    public async Task Listing_filters_pages_newest_first_and_counts()
    {
        var (lists, _) = await CreateStoresAsync();
        var entries = Enumerable.Range(0, 7).Select(i => Entry(i % 2 == 0 ? FraudListSubject.Device : FraudListSubject.Country, i % 2 == 0 ? $"dev_{i}" : "GB",
            T0.AddMinutes(i), expiresAt: i == 6 ? T0.AddMinutes(-1) : null, list: i == 1 ? FraudListType.Allow : FraudListType.Block)).ToList();
        await lists.AddAsync(entries, Ct);

        var firstPage = await lists.ListAsync(new FraudListQuery(Take: 2), T0, Ct);
        firstPage.Total.ShouldBe(6); // the expired one is left out
        firstPage.Items.Select(e => e.Id).ShouldBe([entries[5].Id, entries[4].Id]);
        (await lists.ListAsync(new FraudListQuery(Skip: 2, Take: 2), T0, Ct)).Items.Select(e => e.Id).ShouldBe([entries[3].Id, entries[2].Id]);
        (await lists.ListAsync(new FraudListQuery(IncludeExpired: true), T0, Ct)).Total.ShouldBe(7);
        (await lists.ListAsync(new FraudListQuery(Subject: FraudListSubject.Device), T0, Ct)).Items.Select(e => e.Id).ShouldBe([entries[4].Id, entries[2].Id, entries[0].Id]);
        (await lists.ListAsync(new FraudListQuery(List: FraudListType.Allow), T0, Ct)).Items.Select(e => e.Id).ShouldBe([entries[1].Id]);
        (await lists.ListAsync(new FraudListQuery(Search: "DEV_2"), T0, Ct)).Items.Select(e => e.Id).ShouldBe([entries[2].Id]);
    }

    [Fact]
    public async Task The_first_version_is_seeded_once()
    {
        var (_, rules) = await CreateStoresAsync();

        (await rules.LatestAsync(Ct)).ShouldBeNull();
        (await rules.SeedAsync(Version(1), Ct)).ShouldBeTrue();
        (await rules.SeedAsync(Version(1, blockAbove: 99), Ct)).ShouldBeFalse();

        (await rules.LatestAsync(Ct)).ShouldBe(Version(1), new VersionComparer());
    }

    [Fact]
    public async Task A_draft_is_saved_under_its_revision()
    {
        var (_, rules) = await CreateStoresAsync();

        (await rules.SaveDraftAsync(Draft(1), 0, Ct)).ShouldBeTrue();
        (await rules.SaveDraftAsync(Draft(1, 90), 0, Ct)).ShouldBeFalse(); // a draft exists already
        (await rules.SaveDraftAsync(Draft(2, 95), 1, Ct)).ShouldBeTrue();
        (await rules.SaveDraftAsync(Draft(3, 70), 1, Ct)).ShouldBeFalse(); // stale

        var stored = (await rules.GetDraftAsync(Ct)).ShouldNotBeNull();
        stored.Revision.ShouldBe(2);
        stored.Parameters.ShouldBe(Parameters(95));
        stored.Editors.ShouldBe([new FraudRuleEditor("u1", "Ada Admin")]);
    }

    [Fact]
    public async Task Publishing_stores_the_version_and_removes_the_draft_in_one_step()
    {
        var (_, rules) = await CreateStoresAsync();
        await rules.SeedAsync(Version(1), Ct);
        await rules.SaveDraftAsync(Draft(1), 0, Ct);

        (await rules.PublishAsync(Version(2, 85), 2, Ct)).ShouldBeFalse(); // stale draft revision: nothing written
        (await rules.LatestAsync(Ct)).ShouldNotBeNull().Version.ShouldBe(1);
        (await rules.GetDraftAsync(Ct)).ShouldNotBeNull();

        (await rules.PublishAsync(Version(2, 85), 1, Ct)).ShouldBeTrue();

        (await rules.GetDraftAsync(Ct)).ShouldBeNull();
        (await rules.VersionsAsync(Ct)).Select(v => v.Version).ShouldBe([2, 1]);
        (await rules.LatestAsync(Ct)).ShouldNotBeNull().Parameters.BlockAbove.ShouldBe(85);
    }

    [Fact]
    public async Task A_published_version_is_never_replaced()
    {
        var (_, rules) = await CreateStoresAsync();
        await rules.SeedAsync(Version(1), Ct);
        await rules.SaveDraftAsync(Draft(1), 0, Ct);

        // Publishing a number that exists fails whole: the draft stays, version 1 is as it was.
        (await rules.PublishAsync(Version(1, blockAbove: 500), 1, Ct)).ShouldBeFalse();

        (await rules.LatestAsync(Ct)).ShouldNotBeNull().Parameters.BlockAbove.ShouldBe(80);
        (await rules.GetDraftAsync(Ct)).ShouldNotBeNull().Revision.ShouldBe(1);
    }

    [Fact]
    public async Task A_draft_is_discarded_only_at_its_revision()
    {
        var (_, rules) = await CreateStoresAsync();
        await rules.SaveDraftAsync(Draft(1), 0, Ct);

        (await rules.DiscardDraftAsync(2, Ct)).ShouldBeFalse();
        (await rules.DiscardDraftAsync(1, Ct)).ShouldBeTrue();
        (await rules.GetDraftAsync(Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task History_reads_a_period_oldest_first_in_pages()
    {
        var (payments, history) = await CreatePaymentsAsync();
        var merchant = Guid.CreateVersion7();
        var made = new List<Payment>();
        for (var i = 0; i < 9; i++)
        {
            var at = T0.AddMinutes(i);
            var p = new Payment(Guid.CreateVersion7(at), merchant, 1000 + i, "ngn", $"cus_{i % 3}", "pm_tok", null, $"dev_{i}", "203.0.113.9", "NG",
                new Dictionary<string, string> { ["email"] = "ada@example.com" }, i == 4 ? PaymentStatus.Disputed : PaymentStatus.Succeeded, null, null, false, 0, [], null, null, 0,
                "key-" + Guid.NewGuid().ToString("N"), at, at, 1);
            await payments.WriteAsync(new PaymentWrite { NewPayment = p }, Ct);
            made.Add(p);
        }

        var seen = new List<ReplayPayment>();
        PaymentKeyset? after = null;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await history.ReadAsync(T0.AddMinutes(1), T0.AddMinutes(8), after, 3, Ct);
            page.Count.ShouldBeLessThanOrEqualTo(3);
            seen.AddRange(page);
            if (page.Count < 3)
            {
                break;
            }

            after = new PaymentKeyset(page[^1].CreatedAt, page[^1].Id);
        }

        seen.Select(p => p.Id).ShouldBe(made.Skip(1).Take(7).Select(p => p.Id)); // [from, to)
        var fourth = seen.Single(p => p.Id == made[4].Id);
        fourth.ShouldBe(new ReplayPayment(made[4].Id, merchant, "cus_1", 1004, "dev_4", "NG", "203.0.113.9", "ada@example.com", PaymentStatus.Disputed, made[4].CreatedAt));
    }

    private sealed class VersionComparer : IEqualityComparer<FraudRuleVersion?>
    {
        public bool Equals(FraudRuleVersion? x, FraudRuleVersion? y) =>
            x is not null && y is not null && x.Version == y.Version && x.Parameters == y.Parameters && x.Authors.SequenceEqual(y.Authors) && x.PublishedById == y.PublishedById
            && x.PublishedByName == y.PublishedByName && x.PublishedAt == y.PublishedAt && x.Note == y.Note;

        public int GetHashCode(FraudRuleVersion? obj) => obj?.Version ?? 0;
    }
}
