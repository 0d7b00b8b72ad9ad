using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Disputes;
using Portal.Core.Merchants;
using Portal.Core.Notifications;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Disputes;

/// <summary>
/// The dispute use cases over the real embedded stores (SQLite, encrypted document files, audit chain) with a fake clock, a
/// recording email outbox and a recording dispute processor; two approved merchants.
/// </summary>
internal sealed class DisputeTestBed : IAsyncDisposable
{
    public static readonly Actor Admin = new("admin-1", "admin@portal.example", Roles.Admin, null, "10.0.0.1");

    private DisputeTestBed(EmbeddedTestBed bed) => Bed = bed;

    public EmbeddedTestBed Bed { get; }

    public SqlitePaymentStore Payments { get; private set; } = default!;

    public SqliteDisputeStore Store { get; private set; } = default!;

    public PaymentUseCases PaymentCases { get; private set; } = default!;

    public RecordingEmailOutbox Email { get; } = new();

    public RecordingDisputeProcessor Processor { get; } = new();

    public DisputeOptions Options { get; } = new();

    public DisputeService Service { get; private set; } = default!;

    public ApplyDisputeEvent Events { get; private set; } = default!;

    public DisputeSweeper Sweeper { get; private set; } = default!;

    public DisputeOutbox Outbox { get; private set; } = default!;

    public EvidencePackBuilder Packs { get; private set; } = default!;

    public Actor Merchant { get; private set; } = default!;

    public Actor OtherMerchant { get; private set; } = default!;

    public static async Task<DisputeTestBed> CreateAsync()
    {
        var t = new DisputeTestBed(new EmbeddedTestBed("disputes"));
        var bed = t.Bed;
        var portalDb = bed.Database("portal.db");
        var merchantStore = new SqliteMerchantStore(portalDb);
        var vault = new MerchantPiiVault(bed.Keys);
        var merchants = new MerchantService(merchantStore, vault, new MerchantCursor(bed.Keys), bed.Audit, bed.Clock);
        t.Payments = new SqlitePaymentStore(bed.Database("payments.db"), bed.Clock, NullLogger<SqlitePaymentStore>.Instance);
        t.Store = new SqliteDisputeStore(portalDb);
        var options = Microsoft.Extensions.Options.Options.Create(t.Options);
        var outbox = new DisputeOutbox(t.Store, t.Payments, t.Payments, merchantStore, vault, t.Email, NullLogger<DisputeOutbox>.Instance);
        t.Outbox = outbox;
        t.Events = new ApplyDisputeEvent(t.Store, outbox, bed.Audit, options, bed.Clock, NullLogger<ApplyDisputeEvent>.Instance);
        t.PaymentCases = new PaymentUseCases(t.Payments, t.Payments, new SandboxProcessor(), merchantStore, new PaymentFeed(), bed.Audit, bed.Keys, bed.Clock, disputes: t.Events);
        var documents = new EncryptedFileDocumentStore(Path.Combine(bed.Folder, "documents"), bed.Keys, bed.Clock);
        t.Service = new DisputeService(t.Store, t.Payments, t.Processor, documents, outbox, bed.Audit, bed.Keys, options, bed.Clock, NullLogger<DisputeService>.Instance);
        t.Sweeper = new DisputeSweeper(t.Store, outbox, bed.Audit, new StaticOptionsMonitor<DisputeOptions>(t.Options), bed.Clock, NullLogger<DisputeSweeper>.Instance);
        t.Packs = new EvidencePackBuilder(t.Service, t.Payments, t.Payments, new SqliteWebhookStore(portalDb));
        t.Merchant = await KybForms.ApprovedAsync(merchants, new Actor("user-m", "m@shop.example", Roles.Merchant, Guid.CreateVersion7(), "10.0.0.9"), Admin,
            Random.Shared.Next(100_000, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture), "Disputed Goods Ltd");
        t.OtherMerchant = await KybForms.ApprovedAsync(merchants, new Actor("user-o", "o@other.example", Roles.Merchant, Guid.CreateVersion7(), "10.0.0.8"), Admin,
            Random.Shared.Next(100_000, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture), "Other Traders Ltd");
        return t;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A payment of the merchant; with <see cref="SandboxProcessor.Disputed"/> the sandbox opens a dispute on it.</summary>
    public async Task<Payment> PayAsync(string method = SandboxProcessor.Success, Actor? merchant = null, string customer = "cus_1", long amount = 4200)
    {
        var result = await PaymentCases.Initiate.InitiateAsync(merchant ?? Merchant, new PaymentRequest(amount, "usd", customer, method, "order-7", null, null, null,
            new Dictionary<string, string> { ["product_description"] = "Blue silk scarf" }), Guid.NewGuid().ToString("N"), Ct);
        result.Succeeded.ShouldBeTrue(result.Error?.Message);
        return result.Value.Payment;
    }

    /// <summary>A payment with the sandbox's dispute token, and the dispute it opened.</summary>
    public async Task<(Payment Payment, Dispute Dispute)> DisputedAsync(Actor? merchant = null)
    {
        var payment = await PayAsync(SandboxProcessor.Disputed, merchant);
        var page = await Store.ListAsync(new DisputeListQuery((merchant ?? Merchant).MerchantId, Limit: 100), Ct);
        return (payment, page.Items.Single(d => d.PaymentId == payment.Id));
    }

    public async Task<IReadOnlyList<PaymentEvent>> WebhookEventsAsync(Guid paymentId) =>
        (await Payments.ForPaymentAsync(paymentId, Ct)).Where(e => e.Type.StartsWith("dispute.", StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await Payments.DisposeAsync();
        await Bed.DisposeAsync();
    }
}

internal sealed class RecordingEmailOutbox : IEmailOutbox
{
    public ConcurrentQueue<EmailMessage> Sent { get; } = new();

    public Task SendAsync(string to, string subject, string body, string? actionUrl, CancellationToken cancellationToken = default)
    {
        Sent.Enqueue(new EmailMessage(Guid.NewGuid(), to, subject, body, actionUrl, DateTimeOffset.UnixEpoch));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EmailMessage>> ListAsync(int limit, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<EmailMessage>>(Sent.ToList());
}

internal sealed class RecordingDisputeProcessor : IDisputeProcessor
{
    private int _submissions;
    private int _acceptances;

    public string Name => "sandbox";

    public bool Simulated { get; set; } = true;

    public bool Refuse { get; set; }

    /// <summary>Held open until released, so a test can race a second call against the first.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Submissions => _submissions;

    public int Acceptances => _acceptances;

    public ConcurrentQueue<DisputeEvidence> Sent { get; } = new();

    public async Task<DisputeProcessorResult> SubmitEvidenceAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _submissions);
        Sent.Enqueue(dispute.Evidence);
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        return Refuse ? new DisputeProcessorResult(false, "The processor refused the request.") : DisputeProcessorResult.Ok;
    }

    public Task<DisputeProcessorResult> AcceptAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _acceptances);
        return Task.FromResult(Refuse ? new DisputeProcessorResult(false, "The processor refused the request.") : DisputeProcessorResult.Ok);
    }
}

internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
