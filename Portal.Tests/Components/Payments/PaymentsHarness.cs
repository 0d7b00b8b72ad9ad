using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components;
using Portal.Components.Payments;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Merchants;
using Portal.Core.Payments;
using Portal.Core.Payments.Live;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Payments;

/// <summary>
/// The payments screens over the real payment use cases: embedded merchant store, audit log and key ring in a temp folder,
/// an in-memory payment store, the sandbox processor and a real <see cref="PaymentFeed"/>.
/// </summary>
public abstract class PaymentsHarness : BunitContext
{
    // The screens run on the real clock (live feed, "last hour"); only the audit log's timestamps are the bed's fixed ones.
    private readonly EmbeddedTestBed _bed = new("payments-ui");

    protected PaymentsHarness()
    {
        var keys = _bed.Keys;
        var merchantStore = new SqliteMerchantStore(_bed.Database("portal.db"));
        Merchants = new MerchantService(merchantStore, new MerchantPiiVault(keys), new MerchantCursor(keys), _bed.Audit, TimeProvider.System);
        // The real embedded store: the screens are tested against what they will read in production.
        Store = new SqlitePaymentStore(_bed.Database("payments.db"), TimeProvider.System, NullLogger<SqlitePaymentStore>.Instance);
        Payments = new PaymentUseCases(Store, Store, new SandboxProcessor(), merchantStore, Feed, _bed.Audit, keys, TimeProvider.System);

        Services.AddMudServices();
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(Feed);
        Payments.AddTo(Services);
        Services.AddSingleton<IPaymentChangeSource>(Feed);
        Services.AddSingleton<IPaymentStore>(Store);
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new LiveViewOptions()));
        Services.AddSingleton<LiveViewMetrics>();
        Services.AddSingleton(new Portal.Core.Fraud.Rules.LiveFraudRules(new Portal.Core.Fraud.Rules.ScoringRules(1, Portal.Core.Fraud.Rules.FraudRuleParameters.From(new Portal.Core.Fraud.FraudOptions()))));
        Services.AddSingleton<LivePaymentViews>();
        Services.AddSingleton<PaymentKpiAggregate>();
        Services.AddScoped<LiveCircuit>();
        Services.AddSingleton(new LatencyRecorder(TimeProvider.System));
        Services.AddScoped<CircuitClient>();
        Services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Services.AddSingleton<Portal.Core.Security.IKeyRing>(keys);
        Services.AddSingleton<Portal.Core.Audit.IAuditLog>(_bed.AuditLog);
        Services.AddSingleton(_bed.Audit);
        Services.AddSingleton<Portal.Core.Webhooks.IWebhookStore>(new SqliteWebhookStore(_bed.Database("webhooks.db")));
        Services.AddWebhooks();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected PaymentFeed Feed { get; } = new();

    /// <summary>The live views the screens subscribe to (the container's singleton).</summary>
    protected LivePaymentViews Views => Services.GetRequiredService<LivePaymentViews>();

    protected LiveViewMetrics Metrics => Services.GetRequiredService<LiveViewMetrics>();

    internal SqlitePaymentStore Store { get; }

    internal PaymentUseCases Payments { get; }

    protected MerchantService Merchants { get; }

    protected static Actor Admin { get; } = new("user-admin", "admin@portal.example", PortalRoles.Admin, null, "10.0.0.1");

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await Store.DisposeAsync();
        await _bed.DisposeAsync();
    }

    protected void SignIn(Actor actor)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.Name!);
        auth.SetRoles(actor.Role!);
        if (actor.MerchantId is { } merchantId)
        {
            auth.SetClaims(new Claim(PortalPolicies.MerchantIdClaim, merchantId.ToString()));
        }
    }

    /// <summary>A merchant user whose business went through KYB and was approved (only approved merchants take payments).</summary>
    protected Task<Actor> ApprovedMerchantAsync(string cac) =>
        KybForms.ApprovedAsync(Merchants, new Actor("user-" + cac, $"m{cac}@shop.example", PortalRoles.Merchant, Guid.CreateVersion7(), "10.0.0.9"), Admin, cac, "Shop " + cac);

    protected async Task<Payment> PayAsync(Actor merchant, long amount = 1250, string paymentMethod = SandboxProcessor.Success, string customer = "cus_1", string currency = "usd",
        string? deviceId = null, string? country = null)
    {
        var request = new PaymentRequest(amount, currency, customer, paymentMethod, "order-" + amount, deviceId, "203.0.113.7", country, new Dictionary<string, string> { ["cart"] = "c_1" });
        var result = await Payments.Initiate.InitiateAsync(merchant, request, Guid.NewGuid().ToString("N"));
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value.Payment;
    }
}
