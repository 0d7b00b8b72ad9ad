using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Fraud;
using Portal.Core.Fraud.Rules;
using Portal.Core.Merchants;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Fraud;

/// <summary>Versioned rules: seeding, drafts under optimistic concurrency, four-eyes publishing, immutability, and the version a payment records.</summary>
public sealed class FraudRuleServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FraudRuleParameters Tighter(FraudRuleParameters p) => p with { BlockAbove = 60, ReviewFrom = 40 };

    [Fact]
    public async Task Version_one_is_seeded_from_the_configured_options()
    {
        await using var bed = await FraudBed.CreateAsync(new FraudOptions { VelocityWeight = 33 });

        var overview = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value.ShouldNotBeNull();

        overview.Live.Version.ShouldBe(1);
        overview.Live.Parameters.VelocityWeight.ShouldBe(33);
        overview.Draft.ShouldBeNull();
        bed.Rules.Current.Version.ShouldBe(1);
    }

    [Fact]
    public async Task The_author_cannot_publish_their_own_draft_and_the_refusal_is_audited()
    {
        await using var bed = await FraudBed.CreateAsync();
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        var draft = (await bed.RuleService.SaveDraftAsync(FraudBed.Ada, Tighter(live.Parameters), "tighten", 0, Ct)).Value.ShouldNotBeNull();

        var refused = await bed.RuleService.PublishAsync(FraudBed.Ada, draft.Revision, Ct);

        refused.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        refused.Error.Message.ShouldContain("another admin");
        bed.Rules.Current.Version.ShouldBe(1);
        (await bed.Store.GetDraftAsync(Ct)).ShouldNotBeNull();
        var audit = await bed.Bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudRulePublished), Ct);
        audit.Events.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Denied);
        audit.Events[0].ActorId.ShouldBe(FraudBed.Ada.UserId);
    }

    [Fact]
    public async Task Anyone_who_edited_the_draft_is_refused_and_another_admin_publishes_it_live_at_once()
    {
        await using var bed = await FraudBed.CreateAsync();
        var carol = new Actor("admin-carol", "carol@portal.example", Roles.Admin, null, null);
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        var first = (await bed.RuleService.SaveDraftAsync(FraudBed.Ada, Tighter(live.Parameters), null, 0, Ct)).Value!;
        var second = (await bed.RuleService.SaveDraftAsync(FraudBed.Bola, Tighter(live.Parameters) with { VelocityWeight = 35 }, "and velocity", first.Revision, Ct)).Value!;

        (await bed.RuleService.PublishAsync(FraudBed.Bola, second.Revision, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        var published = await bed.RuleService.PublishAsync(carol, second.Revision, Ct);

        var version = published.Value.ShouldNotBeNull();
        version.Version.ShouldBe(2);
        version.Authors.Select(a => a.UserId).ShouldBe([FraudBed.Ada.UserId!, FraudBed.Bola.UserId!]);
        version.PublishedById.ShouldBe(carol.UserId);
        bed.Rules.Current.Version.ShouldBe(2);
        bed.Rules.Current.Parameters.VelocityWeight.ShouldBe(35);
        (await bed.Store.GetDraftAsync(Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_stale_draft_save_is_a_conflict_naming_who_changed_it()
    {
        await using var bed = await FraudBed.CreateAsync();
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        await bed.RuleService.SaveDraftAsync(FraudBed.Bola, Tighter(live.Parameters), null, 0, Ct);

        var stale = await bed.RuleService.SaveDraftAsync(FraudBed.Ada, live.Parameters with { VelocityWeight = 1 }, null, 0, Ct);

        stale.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        stale.Error.Message.ShouldContain(FraudBed.Bola.Name!);
        (await bed.Store.GetDraftAsync(Ct))!.Parameters.VelocityWeight.ShouldBe(live.Parameters.VelocityWeight);
    }

    [Fact]
    public async Task Published_versions_stay_as_they_were_published()
    {
        await using var bed = await FraudBed.CreateAsync();
        var v1 = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        var draft = (await bed.RuleService.SaveDraftAsync(FraudBed.Ada, Tighter(v1.Parameters), null, 0, Ct)).Value!;
        await bed.RuleService.PublishAsync(FraudBed.Bola, draft.Revision, Ct);

        // A new draft edits the next version; the published ones are untouched, and no operation changes them.
        var next = (await bed.RuleService.SaveDraftAsync(FraudBed.Ada, v1.Parameters with { BlockAbove = 999, ReviewFrom = 998 }, null, 0, Ct)).Value!;
        next.BasedOn.ShouldBe(2);
        var versions = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Versions;
        versions.Select(v => v.Version).ShouldBe([2, 1]);
        versions[1].Parameters.ShouldBe(v1.Parameters);
        versions[0].Parameters.ShouldBe(Tighter(v1.Parameters));
        (await bed.Store.PublishAsync(versions[0] with { Parameters = v1.Parameters }, next.Revision, Ct)).ShouldBeFalse();
        (await bed.Store.LatestAsync(Ct))!.Parameters.ShouldBe(Tighter(v1.Parameters));
    }

    [Fact]
    public async Task A_bad_draft_names_each_field()
    {
        await using var bed = await FraudBed.CreateAsync();
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;

        var result = await bed.RuleService.SaveDraftAsync(FraudBed.Ada,
            live.Parameters with { ReviewFrom = 90, BlockAbove = 80, VelocityWeight = -1, VelocityWindow = TimeSpan.Zero }, null, 0, Ct);

        result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull().Keys.Order().ShouldBe(["review_from", "velocity_weight", "velocity_window_seconds"]);
        (await bed.Store.GetDraftAsync(Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Merchants_and_compliance_cannot_touch_the_rules()
    {
        await using var bed = await FraudBed.CreateAsync();
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        var draft = (await bed.RuleService.SaveDraftAsync(FraudBed.Ada, Tighter(live.Parameters), null, 0, Ct)).Value!;

        foreach (var actor in new[] { FraudBed.Merchant, FraudBed.Compliance })
        {
            (await bed.RuleService.GetAsync(actor, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await bed.RuleService.SaveDraftAsync(actor, live.Parameters, null, draft.Revision, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await bed.RuleService.PublishAsync(actor, draft.Revision, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        }

        bed.Rules.Current.Version.ShouldBe(1);
    }

    [Fact]
    public async Task A_payment_records_the_rule_version_that_scored_it()
    {
        await using var bed = await FraudBed.CreateAsync();
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        var draft = (await bed.RuleService.SaveDraftAsync(FraudBed.Ada, live.Parameters with { UnknownDeviceWeight = 16 }, null, 0, Ct)).Value!;
        await bed.RuleService.PublishAsync(FraudBed.Bola, draft.Revision, Ct);
        await using var payments = new Portal.Core.Adapters.Embedded.SqlitePaymentStore(bed.Bed.Database("payments.db"), bed.Bed.Clock,
            NullLogger<Portal.Core.Adapters.Embedded.SqlitePaymentStore>.Instance);
        var (merchants, merchantId) = ApprovedMerchantStore.Create();
        var paymentOptions = Options.Create(new PaymentOptions());
        var idempotency = new PaymentIdempotency(payments, paymentOptions, bed.Bed.Clock);
        var feed = new PaymentFeed();
        var initiate = new InitiatePayment(payments, new SandboxProcessor(), merchants, bed.Scorer, feed, idempotency, new ApplyProcessorEvent(payments, feed, bed.Bed.Clock),
            paymentOptions, bed.Bed.Clock, NullLogger<InitiatePayment>.Instance);
        var merchant = new Actor("key", "Shop", Roles.Merchant, merchantId, null);

        var answer = await initiate.InitiateAsync(merchant, new PaymentRequest(1500, "usd", "cus_1", SandboxProcessor.Success, DeviceId: "dev_1"), "k-1", Ct);

        var payment = answer.Value.ShouldNotBeNull().Payment;
        payment.RuleVersion.ShouldBe(2);
        payment.FraudScore.ShouldBe(16);
        (await payments.GetAsync(payment.Id, Ct)).ShouldNotBeNull().RuleVersion.ShouldBe(2);
    }

    /// <summary>A merchant store that knows one approved merchant (only GetAsync is used by payment initiation).</summary>
    public class ApprovedMerchantStore : System.Reflection.DispatchProxy
    {
        public Guid Id { get; private set; }

        public static (IMerchantStore Store, Guid Id) Create()
        {
            var store = Create<IMerchantStore, ApprovedMerchantStore>();
            var self = (ApprovedMerchantStore)(object)store;
            self.Id = Guid.CreateVersion7();
            return (store, self.Id);
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name == nameof(IMerchantStore.GetAsync)
            ? Task.FromResult<MerchantRecord?>((Guid)args![0]! == Id
                ? new MerchantRecord(Id, "Shop", "100001", null, null, null, null, [1], "h", MerchantStatus.Approved, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1)
                : null)
            : throw new NotSupportedException(targetMethod?.Name);
    }
}
