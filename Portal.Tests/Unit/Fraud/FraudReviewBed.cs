using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Fraud.Review;
using Portal.Core.Merchants;
using Portal.Core.Notifications;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Fraud;

/// <summary>
/// The fraud review use cases over the real embedded stores (payments, merchants, cases, audit) in a temp folder, a fake
/// clock, a processor that counts charges, and a fake outbox. <see cref="HeldPaymentAsync"/> makes a payment that fraud
/// scoring holds (card testing plus velocity: score 70), through the real initiation.
/// </summary>
internal sealed class FraudReviewBed : IAsyncDisposable
{
    public static readonly Actor AdminA = new("admin-a", "ada@portal.example", Roles.Admin, null, "10.0.0.1");
    public static readonly Actor AdminB = new("admin-b", "bo@portal.example", Roles.Admin, null, "10.0.0.2");
    public static readonly Actor Compliance = new("comp-1", "cy@portal.example", Roles.Compliance, null, "10.0.0.3");

    private readonly EmbeddedTestBed _bed = new("fraud-review");
    private int _customers;

    // openCases false: payment initiation opens no case (as if the portal stopped between holding a payment and writing its case).
    public FraudReviewBed(FraudReviewOptions? options = null, bool openCases = true)
    {
        Options = Microsoft.Extensions.Options.Options.Create(options ?? new FraudReviewOptions { OnCallEmail = "oncall@portal.example" });
        MerchantStore = new SqliteMerchantStore(_bed.Database("portal.db"));
        Merchants = new MerchantService(MerchantStore, new MerchantPiiVault(_bed.Keys), new MerchantCursor(_bed.Keys), _bed.Audit, Clock);
        Payments = new SqlitePaymentStore(_bed.Database("payments.db"), Clock, NullLogger<SqlitePaymentStore>.Instance);
        Cases = new SqliteFraudCaseStore(_bed.Database("cases.db"));
        Intake = new FraudCaseIntake(Cases, Alerts, _bed.Audit, Options, Clock, NullLogger<FraudCaseIntake>.Instance);
        UseCases = new PaymentUseCases(Payments, Payments, Processor, MerchantStore, Feed, _bed.Audit, _bed.Keys, Clock, fraudReview: openCases ? Intake : null);
        Queries = new FraudReviewQueries(Cases, Payments, UseCases.Queries, MerchantStore, _bed.Audit, Options, Clock);
        Decisions = new FraudCaseDecisions(Cases, Payments, Processor, UseCases.Refund, Feed, _bed.Audit, Clock, NullLogger<FraudCaseDecisions>.Instance);
        Mailer = new FraudAlertMailer(Alerts, Outbox, Options, NullLogger<FraudAlertMailer>.Instance);
    }

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => _bed.Clock;

    public IOptions<FraudReviewOptions> Options { get; }

    public Portal.Core.Audit.AuditService Audit => _bed.Audit;

    public SqliteMerchantStore MerchantStore { get; }

    public MerchantService Merchants { get; }

    public SqlitePaymentStore Payments { get; }

    public SqliteFraudCaseStore Cases { get; }

    public CountingProcessor Processor { get; } = new();

    public PaymentFeed Feed { get; } = new();

    public FraudAlertHub Alerts { get; } = new();

    public FakeOutbox Outbox { get; } = new();

    public FraudCaseIntake Intake { get; }

    public PaymentUseCases UseCases { get; }

    public FraudReviewQueries Queries { get; }

    public FraudCaseDecisions Decisions { get; }

    public FraudAlertMailer Mailer { get; }

    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Queries);
        services.AddSingleton(Decisions);
        services.AddSingleton(Alerts);
        services.AddSingleton<IFraudCaseStore>(Cases);
        services.AddSingleton(new Portal.Core.Fraud.Rules.LiveFraudRules(new Portal.Core.Fraud.Rules.ScoringRules(1, Portal.Core.Fraud.Rules.FraudRuleParameters.From(new Portal.Core.Fraud.FraudOptions()))));
    }

    /// <summary>A new approved merchant (its API-key actor).</summary>
    public Task<Actor> MerchantAsync(string cac, string name = "Held Goods Ltd") =>
        KybForms.ApprovedAsync(Merchants, new Actor("user-" + cac, $"m{cac}@shop.example", Roles.Merchant, Guid.CreateVersion7(), "10.0.0.9"), AdminA, cac, name);

    /// <summary>
    /// Six small payments of a new customer within a minute: the sixth trips card testing (40) and velocity (30), score 70,
    /// held for review. Returns the held payment; <paramref name="method"/> is its payment method token.
    /// </summary>
    public async Task<Payment> HeldPaymentAsync(Actor merchant, long amount = 100, string method = SandboxProcessor.Success)
    {
        var customer = $"cus_{Interlocked.Increment(ref _customers)}_{Guid.NewGuid():N}";
        Payment? last = null;
        for (var i = 0; i < 6; i++)
        {
            var request = new PaymentRequest(amount, "usd", customer, i == 5 ? method : SandboxProcessor.Success, $"order-{i}", null, null, null, null);
            var result = await UseCases.Initiate.InitiateAsync(merchant, request, Guid.NewGuid().ToString("N"), CancellationToken.None);
            result.Succeeded.ShouldBeTrue(result.Error?.Message);
            last = result.Value.Payment;
            Clock.Advance(TimeSpan.FromSeconds(5));
        }

        last!.Status.ShouldBe(PaymentStatus.HeldForReview);
        return last;
    }

    public async Task<FraudCase> CaseOfAsync(Payment payment) => (await Cases.GetByPaymentAsync(payment.Id, CancellationToken.None)).ShouldNotBeNull();

    public async ValueTask DisposeAsync()
    {
        Mailer.Dispose();
        await Payments.DisposeAsync();
        await _bed.DisposeAsync();
    }

    /// <summary>The sandbox, counting charges; <see cref="Gate"/> (when set) holds every charge until released, to widen races.</summary>
    internal sealed class CountingProcessor : IPaymentProcessor
    {
        private readonly SandboxProcessor _inner = new();
        private int _charges;

        public int Charges => Volatile.Read(ref _charges);

        public TaskCompletionSource? Gate { get; set; }

        /// <summary>Set when a charge reaches the gate.</summary>
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => _inner.Name;

        public bool MovesMoney => false;

        public async Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _charges);
            if (Gate is { } gate)
            {
                Entered.TrySetResult();
                await gate.Task;
            }

            return await _inner.ChargeAsync(charge, cancellationToken);
        }

        public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken) => _inner.RefundAsync(refund, cancellationToken);
    }

    internal sealed class FakeOutbox : IEmailOutbox
    {
        private readonly List<EmailMessage> _sent = [];

        public IReadOnlyList<EmailMessage> Sent
        {
            get
            {
                lock (_sent)
                {
                    return [.. _sent];
                }
            }
        }

        public Task SendAsync(string to, string subject, string body, string? actionUrl, CancellationToken cancellationToken = default)
        {
            lock (_sent)
            {
                _sent.Add(new EmailMessage(Guid.NewGuid(), to, subject, body, actionUrl, DateTimeOffset.UnixEpoch));
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<EmailMessage>> ListAsync(int limit, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<EmailMessage>>(Sent);
    }
}
