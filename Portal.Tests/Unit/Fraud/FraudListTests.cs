using System.Text;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Fraud;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Fraud;

/// <summary>Allow/block lists: validation naming the field with nothing saved, expiry on a fake clock, and how scoring applies them.</summary>
public sealed class FraudListTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FraudListEntryRequest Block(string subject, string value, string? reason = "chargebacks from this source", DateTimeOffset? expires = null, string? merchant = null) =>
        new("block", subject, value, reason, expires, merchant);

    private static async Task<int> StoredCountAsync(FraudBed bed) => (await bed.Store.ListAsync(new FraudListQuery(IncludeExpired: true), bed.Bed.Clock.GetUtcNow(), Ct)).Total;

    [Theory]
    [InlineData("ip", "203.0.113.7/24", "value")] // host bits set
    [InlineData("ip", "203.0.113.0/33", "value")]
    [InlineData("ip", "2001:db8::/129", "value")]
    [InlineData("ip", "not-an-ip", "value")]
    [InlineData("ip", "7", "value")]
    [InlineData("country", "XX", "value")]
    [InlineData("country", "NGA", "value")]
    [InlineData("email_domain", "no-dot", "value")]
    [InlineData("planet", "mars", "subject")]
    public async Task A_bad_value_is_refused_naming_the_field_and_nothing_is_saved(string subject, string value, string field)
    {
        await using var bed = await FraudBed.CreateAsync();

        var result = await bed.ListService.AddAsync(FraudBed.Ada, Block(subject, value), Ct);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        result.Error.Fields.ShouldNotBeNull().Keys.ShouldContain(field);
        (await StoredCountAsync(bed)).ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("customer paid with 4111 1111 1111 1111")]
    public async Task An_empty_reason_or_one_with_a_card_number_is_refused(string? reason)
    {
        await using var bed = await FraudBed.CreateAsync();

        var result = await bed.ListService.AddAsync(FraudBed.Ada, Block("country", "NG", reason), Ct);

        result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull().Keys.ShouldBe(["reason"]);
        (await StoredCountAsync(bed)).ShouldBe(0);
    }

    [Theory]
    [InlineData("country", "ng", "NG")]
    [InlineData("ip", "203.0.113.0/24", "203.0.113.0/24")]
    [InlineData("ip", "2001:DB8::/32", "2001:db8::/32")]
    [InlineData("ip", "::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("email_domain", "@Mailinator.COM", "mailinator.com")]
    public async Task Good_values_are_stored_normalised(string subject, string value, string stored)
    {
        await using var bed = await FraudBed.CreateAsync();

        var result = await bed.ListService.AddAsync(FraudBed.Ada, Block(subject, value), Ct);

        result.Error.ShouldBeNull();
        result.Value!.Value.ShouldBe(stored);
        (await bed.Bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudListEntryAdded), Ct)).Events.ShouldHaveSingleItem().Target.ShouldBe(result.Value.DisplayId);
    }

    [Fact]
    public async Task A_customer_entry_needs_its_merchant()
    {
        await using var bed = await FraudBed.CreateAsync();

        var result = await bed.ListService.AddAsync(FraudBed.Ada, Block("customer", "cus_1"), Ct);

        result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull().Keys.ShouldBe(["merchant_id"]);
    }

    [Fact]
    public async Task Merchants_and_compliance_are_refused_and_the_refusal_audited()
    {
        await using var bed = await FraudBed.CreateAsync();

        foreach (var actor in new[] { FraudBed.Merchant, FraudBed.Compliance })
        {
            (await bed.ListService.AddAsync(actor, Block("country", "NG"), Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await bed.ListService.ListAsync(actor, new FraudListQuery(), Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await bed.ListService.ImportCsvAsync(actor, new MemoryStream("list,subject,value,reason\nblock,country,NG,x"u8.ToArray()), null, Ct))
                .Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        }

        (await StoredCountAsync(bed)).ShouldBe(0);
        var denied = await bed.Bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudListEntryAdded), Ct);
        denied.Events.Count.ShouldBe(2);
        denied.Events.ShouldAllBe(e => e.Outcome == AuditOutcome.Denied);
    }

    [Fact]
    public async Task A_block_entry_blocks_with_the_block_list_factor_and_stops_at_its_expiry()
    {
        await using var bed = await FraudBed.CreateAsync();
        var clock = bed.Bed.Clock;
        var merchant = Guid.CreateVersion7();
        var added = await bed.ListService.AddAsync(FraudBed.Ada, Block("customer", "cus_bad", expires: clock.GetUtcNow().AddHours(1), merchant: new MerchantId(merchant).ToString()), Ct);
        added.Error.ShouldBeNull();

        var blocked = bed.Scorer.Assess(new FraudInput(1000, "dev_1", "NG", clock.GetUtcNow(), merchant, "cus_bad"), null);
        blocked.Decision.ShouldBe(FraudDecision.Block);
        blocked.Factors.ShouldHaveSingleItem().Rule.ShouldBe("block_list");
        blocked.Factors[0].Detail.ShouldStartWith("On block list");

        // Another merchant's customer with the same id is not this one.
        bed.Scorer.Assess(new FraudInput(1000, null, "NG", clock.GetUtcNow(), Guid.CreateVersion7(), "cus_bad"), null).Decision.ShouldBe(FraudDecision.Allow);

        clock.Advance(TimeSpan.FromHours(1));
        bed.Scorer.Assess(new FraudInput(1000, null, "NG", clock.GetUtcNow(), merchant, "cus_bad"), null).Decision.ShouldBe(FraudDecision.Allow);
        (await bed.ListService.ListAsync(FraudBed.Ada, new FraudListQuery(), Ct)).Value!.Total.ShouldBe(0);
        (await bed.ListService.ListAsync(FraudBed.Ada, new FraudListQuery(IncludeExpired: true), Ct)).Value!.Total.ShouldBe(1);
    }

    [Fact]
    public async Task Expiring_an_entry_needs_its_version_and_applies_at_once()
    {
        await using var bed = await FraudBed.CreateAsync();
        var entry = (await bed.ListService.AddAsync(FraudBed.Ada, Block("ip", "2001:db8::/32"), Ct)).Value!;
        var at = bed.Bed.Clock.GetUtcNow();
        bed.Scorer.Assess(new FraudInput(1000, null, null, at, IpAddress: "2001:db8:1::9"), null).Decision.ShouldBe(FraudDecision.Block);

        (await bed.ListService.ExpireAsync(FraudBed.Bola, entry.Id, entry.Version + 5, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        var expired = await bed.ListService.ExpireAsync(FraudBed.Bola, entry.Id, entry.Version, Ct);
        expired.Error.ShouldBeNull();
        expired.Value!.ExpiredBy.ShouldBe(FraudBed.Bola.Name);
        var again = await bed.ListService.ExpireAsync(FraudBed.Ada, entry.Id, entry.Version, Ct);
        again.Error.ShouldNotBeNull().Message.ShouldContain(FraudBed.Bola.Name!);

        bed.Scorer.Assess(new FraudInput(1000, null, null, at, IpAddress: "2001:db8:1::9"), null).Decision.ShouldBe(FraudDecision.Allow);
        (await bed.Bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudListEntryExpired), Ct)).Events.ShouldHaveSingleItem().Target.ShouldBe(entry.DisplayId);
    }

    [Fact]
    public async Task An_allow_entry_skips_the_rules_but_a_block_entry_wins()
    {
        await using var bed = await FraudBed.CreateAsync();
        var at = bed.Bed.Clock.GetUtcNow();
        var cardTester = Enumerable.Range(0, 8).Aggregate(CustomerProfile.Empty(Guid.Empty, "c"),
            (p, i) => p.With(new PaymentActivity(Guid.Empty, "c", 100, "dev_x", "GB", at.AddSeconds(-5 * i))));
        bed.Scorer.Assess(new FraudInput(100, "dev_new", "NG", at, IpAddress: "198.51.100.20"), cardTester).Decision.ShouldBe(FraudDecision.Block);

        await bed.ListService.AddAsync(FraudBed.Ada, new FraudListEntryRequest("allow", "ip", "198.51.100.0/24", "office network"), Ct);
        var allowed = bed.Scorer.Assess(new FraudInput(100, "dev_new", "NG", at, IpAddress: "198.51.100.20"), cardTester);
        allowed.Decision.ShouldBe(FraudDecision.Allow);
        allowed.Score.ShouldBe(0);
        allowed.Factors.ShouldHaveSingleItem().Rule.ShouldBe("allow_list");

        await bed.ListService.AddAsync(FraudBed.Ada, Block("device", "dev_new"), Ct);
        bed.Scorer.Assess(new FraudInput(100, "dev_new", "NG", at, IpAddress: "198.51.100.20"), cardTester).Factors.ShouldHaveSingleItem().Rule.ShouldBe("block_list");
    }

    [Theory]
    [InlineData("country", "KP", null, "KP", null)]
    [InlineData("email_domain", "mailinator.com", null, null, "someone@MAILINATOR.com")]
    [InlineData("ip", "203.0.113.7", "203.0.113.7", null, null)]
    [InlineData("ip", "10.0.0.0/8", "10.200.3.4", null, null)]
    [InlineData("ip", "2001:db8::/32", "2001:db8:ffff::1", null, null)]
    public async Task Each_subject_is_matched(string subject, string value, string? ip, string? country, string? email)
    {
        await using var bed = await FraudBed.CreateAsync();
        await bed.ListService.AddAsync(FraudBed.Ada, Block(subject, value), Ct);
        var at = bed.Bed.Clock.GetUtcNow();

        bed.Scorer.Assess(new FraudInput(100, null, country, at, IpAddress: ip, Email: email), null).Decision.ShouldBe(FraudDecision.Block);
        bed.Scorer.Assess(new FraudInput(100, null, "GB", at, IpAddress: "192.0.2.1", Email: "a@example.org"), null).Decision.ShouldBe(FraudDecision.Allow);
    }

    [Fact]
    public async Task A_csv_with_one_bad_row_names_row_and_field_and_saves_nothing()
    {
        await using var bed = await FraudBed.CreateAsync();
        var csv = """
            list,subject,value,reason,expires_at,merchant_id
            block,country,KP,sanctions,,
            block,ip,10.0.0.1/8,scraper,,
            allow,email_domain,example.com,,,
            """;

        var result = await bed.ListService.ImportCsvAsync(FraudBed.Ada, new MemoryStream(Encoding.UTF8.GetBytes(csv)), null, Ct);

        var fields = result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull();
        fields.Keys.Order().ShouldBe(["row 3: value", "row 4: reason"]);
        (await StoredCountAsync(bed)).ShouldBe(0);
    }

    [Fact]
    public async Task A_good_csv_is_imported_whole_applied_and_audited()
    {
        await using var bed = await FraudBed.CreateAsync();
        var csv = "list,subject,value,reason,expires_at,merchant_id\nblock,country,KP,sanctions,,\nblock,ip,10.0.0.0/8,scraper,2030-01-01T00:00:00Z,\n";
        var reports = new List<FraudListImportProgress>();

        var result = await bed.ListService.ImportCsvAsync(FraudBed.Ada, new MemoryStream(Encoding.UTF8.GetBytes(csv)), new SyncProgress(reports), Ct);

        result.Value.ShouldNotBeNull().Added.ShouldBe(2);
        (await StoredCountAsync(bed)).ShouldBe(2);
        reports.Last().Stage.ShouldBe("done");
        bed.Scorer.Assess(new FraudInput(100, null, "KP", bed.Bed.Clock.GetUtcNow()), null).Decision.ShouldBe(FraudDecision.Block);
        (await bed.Bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudListImported), Ct)).Events.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Success);
    }

    [Fact]
    public void The_common_path_with_lists_allocates_nothing()
    {
        var at = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var merchant = Guid.CreateVersion7();
        var entries = new List<FraudListEntry>();
        for (var i = 0; i < 200; i++)
        {
            entries.Add(new FraudListEntry(Guid.CreateVersion7(), FraudListType.Block, (FraudListSubject)(i % 5), (i % 5) switch
            {
                0 => $"cus_{i}",
                1 => $"dev_{i}",
                2 => "KP",
                3 => $"10.{i}.0.0/16",
                _ => $"d{i}.example",
            }, i % 5 == 0 ? merchant : null, "r", "u", "U", at, null, null, 1));
        }

        var snapshot = new FraudListSnapshot(entries);
        var rules = new ScoringRules(3, FraudRuleParameters.From(new FraudOptions()));
        var profile = Enumerable.Range(0, 30).Aggregate(CustomerProfile.Empty(merchant, "cus_ok"),
            (p, i) => p.With(new PaymentActivity(merchant, "cus_ok", 4000 + i, $"dev-{i % 3}", "NG", at.AddHours(-i))));
        profile = System.Text.Json.JsonSerializer.Deserialize<CustomerProfile>(System.Text.Json.JsonSerializer.Serialize(profile))!; // as the store reads it
        var input = new FraudInput(4500, "dev-1", "NG", at, merchant, "cus_ok", "192.0.2.10", "ada@example.com");
        for (var i = 0; i < 100; i++)
        {
            FraudScorer.Assess(input, profile, rules, snapshot);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        FraudAssessment last = null!;
        for (var i = 0; i < 1000; i++)
        {
            last = FraudScorer.Assess(input, profile, rules, snapshot);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
        last.Decision.ShouldBe(FraudDecision.Allow);
        last.RuleVersion.ShouldBe(3);
    }

    private sealed class SyncProgress(List<FraudListImportProgress> reports) : IProgress<FraudListImportProgress>
    {
        public void Report(FraudListImportProgress value) => reports.Add(value);
    }
}
