using Portal.Core.Payments;
using Portal.Core.Payments.Live;

namespace Portal.Tests.Components.Payments;

/// <summary>The shared KPI aggregate (<see cref="PaymentKpiAggregate"/>) over the real payment service, store and feed.</summary>
public sealed class PaymentKpiAggregateTests : PaymentsHarness
{
    private PaymentKpiAggregate Aggregate => Services.GetService<PaymentKpiAggregate>()!;

    /// <summary>Per status, reason and currency (minutes aside: the store stamps the write, the aggregate the publication).</summary>
    private static List<string> Totals(IEnumerable<PaymentStatsBucket> buckets) =>
        [.. buckets.GroupBy(b => (b.Status, b.Reason, b.Currency)).Select(g => $"{g.Key.Status}/{g.Key.Reason}/{g.Key.Currency}: {g.Sum(b => b.Count)} for {g.Sum(b => b.Amount)}").Order(StringComparer.Ordinal)];

    [Fact]
    public async Task After_a_burst_the_aggregate_matches_a_store_query_for_everyone_and_for_each_merchant()
    {
        var first = await ApprovedMerchantAsync("300001");
        var second = await ApprovedMerchantAsync("300002");
        await PayAsync(first, 900); // before anyone watches: comes from the seeding query

        // Seeded now, by the first readers; from here on only the stream moves it.
        (await Aggregate.ReadAsync(Admin, TimeSpan.FromHours(1))).Buckets.Sum(b => b.Count).ShouldBe(1);
        await Aggregate.ReadAsync(first, TimeSpan.FromHours(1));
        await Aggregate.ReadAsync(second, TimeSpan.FromHours(1));
        var queries = Aggregate.StoreQueries;

        string[] methods = [SandboxProcessor.Success, SandboxProcessor.InsufficientFunds, SandboxProcessor.ProcessingError, SandboxProcessor.Success];
        await Task.WhenAll(Enumerable.Range(0, 80).Select(i => Task.Run(() =>
            PayAsync(i % 3 == 0 ? second : first, 100 + i, methods[i % methods.Length], customer: $"cus_{i}", currency: i % 5 == 0 ? "eur" : "usd"))));

        var now = DateTimeOffset.UtcNow;
        var all = await Aggregate.ReadAsync(Admin, TimeSpan.FromHours(1));
        Totals(all.Buckets).ShouldBe(Totals(await Store.StatsAsync(null, now - TimeSpan.FromHours(1), now.AddMinutes(1), default)));
        all.Buckets.Sum(b => b.Count).ShouldBe(81);
        foreach (var merchant in new[] { first, second })
        {
            var own = await Aggregate.ReadAsync(merchant, TimeSpan.FromHours(1));
            Totals(own.Buckets).ShouldBe(Totals(await Store.StatsAsync(merchant.MerchantId, now - TimeSpan.FromHours(1), now.AddMinutes(1), default)));
        }

        Aggregate.StoreQueries.ShouldBe(queries); // a read is a look-up, not a query per viewer per tick
    }

    [Fact]
    public async Task A_merchant_reads_only_its_own_figures_and_a_role_without_payments_reads_none()
    {
        var mine = await ApprovedMerchantAsync("300003");
        var other = await ApprovedMerchantAsync("300004");
        await Aggregate.ReadAsync(mine, TimeSpan.FromHours(1));

        await PayAsync(other, 5000);
        await PayAsync(mine, 300);

        var own = await Aggregate.ReadAsync(mine, TimeSpan.FromHours(1));
        own.Buckets.ShouldHaveSingleItem().Amount.ShouldBe(300);
        (await Aggregate.ReadAsync(new Portal.Core.Actor("u", "u@x", null, null, null), TimeSpan.FromHours(1))).Buckets.ShouldBeEmpty();
    }

    [Fact]
    public async Task Refunds_do_not_count_a_payment_twice()
    {
        var merchant = await ApprovedMerchantAsync("300005");
        await Aggregate.ReadAsync(merchant, TimeSpan.FromHours(1));
        var payment = await PayAsync(merchant, 2000);

        var refund = await Payments.Refund.RefundAsync(merchant, new Portal.Core.PaymentId(payment.Id), 500, "partial", Guid.NewGuid().ToString("N"));
        refund.Succeeded.ShouldBeTrue(refund.Error?.Message);

        var own = await Aggregate.ReadAsync(merchant, TimeSpan.FromHours(1));
        own.Buckets.Sum(b => b.Count).ShouldBe(1);
        var now = DateTimeOffset.UtcNow;
        Totals(own.Buckets).ShouldBe(Totals(await Store.StatsAsync(merchant.MerchantId, now - TimeSpan.FromHours(1), now.AddMinutes(1), default)));
    }
}
