using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Fraud;
using Portal.Core.Merchants;
using Portal.Core.Payments;
using Portal.Core.Security;

namespace Portal.Tests.Infrastructure;

/// <summary>The payment use cases wired as the portal wires them, over the ports a test gives.</summary>
internal sealed class PaymentUseCases
{
    public PaymentUseCases(IPaymentStore store, IEventOutbox outbox, IPaymentProcessor processor, IMerchantStore merchants, PaymentFeed feed, AuditService audit,
        IKeyRing keys, TimeProvider clock, PaymentOptions? options = null, Portal.Core.Fraud.Review.FraudCaseIntake? fraudReview = null,
        IDisputeEvents? disputes = null)
    {
        var o = Options.Create(options ?? new PaymentOptions());
        Idempotency = new PaymentIdempotency(store, o, clock);
        Events = new ApplyProcessorEvent(store, feed, clock, disputes);
        Initiate = new InitiatePayment(store, processor, merchants, new FraudScorer(Options.Create(new FraudOptions())), feed, Idempotency, Events, o, clock,
            NullLogger<InitiatePayment>.Instance, fraudReview);
        Refund = new RefundPayment(store, processor, feed, Idempotency, audit, o, clock, NullLogger<RefundPayment>.Instance);
        Queries = new PaymentQueries(store, outbox, audit, keys, clock);
    }

    public PaymentIdempotency Idempotency { get; }

    public ApplyProcessorEvent Events { get; }

    public InitiatePayment Initiate { get; }

    public RefundPayment Refund { get; }

    public PaymentQueries Queries { get; }

    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(Idempotency);
        services.AddSingleton(Events);
        services.AddSingleton(Initiate);
        services.AddSingleton(Refund);
        services.AddSingleton(Queries);
    }
}
