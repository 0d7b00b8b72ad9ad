using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Fraud;
using Portal.Core.Merchants;

namespace Portal.Core.Payments;

/// <summary>
/// Payment initiation: validation, the merchant's approval, idempotency, fraud scoring, then the processor. Only approved
/// merchants take payments.
/// </summary>
/// <remarks>
/// Initiation first records the payment as pending together with its idempotency record (so concurrent requests with one
/// key create one payment and only the winner calls the processor), then calls the processor with the payment's own
/// idempotency key, then records the outcome and the answer in one write. A request that finds its key pending after the
/// portal stopped half-way resumes the payment rather than charging again.
/// </remarks>
public sealed class InitiatePayment(
    IPaymentStore store,
    IPaymentProcessor processor,
    IMerchantStore merchants,
    FraudScorer fraud,
    PaymentFeed feed,
    PaymentIdempotency idempotency,
    ApplyProcessorEvent processorEvents,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<InitiatePayment> logger,
    Fraud.Review.FraudCaseIntake? fraudReview = null)
{
    private const string UnconfirmedPayment =
        "The payment processor did not confirm the outcome yet. Retry with the same Idempotency-Key in a few seconds: it is never charged twice.";

    private readonly PaymentRequestValidator _validator = new(options);
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _approvedUntil = new();
    private readonly MerchantTurns _turns = new();

    /// <summary>Creates a payment, or answers with the payment first created under the same idempotency key.</summary>
    public async Task<Result<PaymentAnswer>> InitiateAsync(Actor actor, PaymentRequest request, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (!actor.IsMerchant)
        {
            return Error.Forbidden("Payments are made with a merchant's API key.");
        }

        var merchantId = actor.MerchantId!.Value;
        request = request with { Currency = request.Currency?.ToLowerInvariant() };
        if (PaymentIdempotency.CheckKey(idempotencyKey) is { } keyProblem)
        {
            return keyProblem;
        }

        var validation = _validator.Validate(request); // every rule is synchronous: no async state machines per rule
        if (!validation.IsValid)
        {
            return Error.Validation("The payment has invalid fields",
                validation.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }

        if (!await IsApprovedAsync(merchantId, cancellationToken))
        {
            return Error.Forbidden("This merchant is not approved to take payments yet. Complete verification first.");
        }

        var key = idempotencyKey ?? DerivedKey(merchantId, request);
        var hash = RequestHash(request);

        // No read of the key first: the write below inserts the key atomically and answers IdempotencyKeyExists with the
        // stored record, so a repeated key is found there, and a new one (nearly every request) costs no extra read.
        // One initiation per customer at a time in this process: each is scored against a profile that already holds the
        // one before it, so a parallel burst (what card testing looks like) trips velocity and card testing like a serial one.
        using var customerTurn = await _turns.EnterAsync(merchantId, "customer:" + request.CustomerId, cancellationToken);
        var now = clock.GetUtcNow();
        var profile = await store.GetCustomerAsync(merchantId, request.CustomerId!, cancellationToken);
        var assessment = fraud.Assess(new FraudInput(request.Amount, request.DeviceId, request.Country, now, merchantId, request.CustomerId, request.IpAddress,
            request.Metadata?.GetValueOrDefault(FraudInput.EmailMetadataKey)), profile);
        var payment = NewPayment(merchantId, request, key, assessment, now);
        var activity = new PaymentActivity(merchantId, payment.CustomerId, payment.Amount, payment.DeviceId, payment.Country, now, PassedScreening: payment.Status == PaymentStatus.Pending);
        var initiated = PaymentEventData.Create(PaymentEventTypes.Initiated, payment, now);
        var pending = idempotency.Pending(merchantId, PaymentIdempotency.PaymentsScope, key, hash, payment.Id, now);

        if (payment.Status != PaymentStatus.Pending)
        {
            // Blocked or held: decided without the processor, so the answer is final in the first write.
            IReadOnlyList<PaymentEvent> events = payment.Status == PaymentStatus.Blocked
                ? [initiated, PaymentEventData.Create(PaymentEventTypes.Failed, payment, now)]
                : [initiated];
            var decided = await store.WriteAsync(new PaymentWrite
            {
                NewIdempotency = PaymentIdempotency.Answered(pending, payment),
                NewPayment = payment,
                Activity = activity,
                Count = PaymentTransitions.CountOf(payment, now),
                Events = events,
            }, cancellationToken);
            if (decided.Status == PaymentWriteStatus.IdempotencyKeyExists)
            {
                return await ReplayAsync(decided.Existing!, hash, cancellationToken);
            }

            feed.Publish(payment);
            if (fraudReview is not null)
            {
                await fraudReview.ScreenedAsync(payment, CancellationToken.None); // the review case and the alert
            }

            return new PaymentAnswer(payment);
        }

        if (!processor.MovesMoney)
        {
            return await SettleSimulatedAsync(payment, pending, activity, initiated, cancellationToken);
        }

        var begun = await store.WriteAsync(new PaymentWrite
        {
            NewIdempotency = pending,
            NewPayment = payment,
            Activity = activity,
            Events = [initiated],
        }, cancellationToken);
        if (begun.Status == PaymentWriteStatus.IdempotencyKeyExists)
        {
            return await ReplayAsync(begun.Existing!, hash, cancellationToken);
        }

        feed.Publish(payment);
        return await ChargeAsync(payment, pending);
    }

    private Task<Result<PaymentAnswer>> ReplayAsync(IdempotencyRecord existing, string hash, CancellationToken cancellationToken) =>
        idempotency.ReplayAsync(existing, hash, PaymentIdempotency.ReadPayment, ResumeAsync, cancellationToken);

    /// <summary>
    /// The first request stopped half-way (the portal was stopped, or the processor never confirmed): finish that payment
    /// instead of waiting forever; if the processor's webhook settled it meanwhile, answer that.
    /// </summary>
    private async Task<Result<PaymentAnswer>?> ResumeAsync(IdempotencyRecord abandoned, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(abandoned.ResourceId, cancellationToken) is not { } left)
        {
            return null;
        }

        if (left.Status == PaymentStatus.Pending)
        {
            var resumed = await ChargeAsync(left, abandoned);
            return resumed.TryGet(out var answer) ? answer with { Replayed = true } : resumed;
        }

        await store.WriteAsync(new PaymentWrite { CompletedIdempotency = PaymentIdempotency.Answered(abandoned, left) }, CancellationToken.None);
        return new PaymentAnswer(left, Replayed: true);
    }

    /// <summary>
    /// A simulated processor moves no money, so it is asked first and the payment, its answer, the customer profile,
    /// counters and both events are recorded in one write. Concurrent requests with one key may each ask it; one write wins.
    /// </summary>
    private async Task<Result<PaymentAnswer>> SettleSimulatedAsync(Payment payment, IdempotencyRecord pending, PaymentActivity activity, PaymentEvent initiated,
        CancellationToken cancellationToken)
    {
        var result = await CallProcessorAsync(payment);
        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // A processor that moves no money has not acted either way: a plain retryable failure.
            result = result with { Outcome = ProcessorOutcome.Error };
        }

        var now = clock.GetUtcNow();
        var settled = PaymentTransitions.Settled(payment, result, processor.Name, now) with { Version = payment.Version };
        var written = await store.WriteAsync(new PaymentWrite
        {
            NewIdempotency = PaymentIdempotency.Answered(pending, settled),
            NewPayment = settled,
            Activity = activity,
            Count = PaymentTransitions.CountOf(settled, now),
            Events = [initiated, PaymentEventData.Create(settled.Status == PaymentStatus.Succeeded ? PaymentEventTypes.Succeeded : PaymentEventTypes.Failed, settled, now)],
        }, CancellationToken.None);
        if (written.Status == PaymentWriteStatus.IdempotencyKeyExists)
        {
            return await ReplayAsync(written.Existing!, pending.RequestHash, cancellationToken);
        }

        feed.Publish(settled);
        await FollowUpAsync(settled, result);
        return new PaymentAnswer(settled);
    }

    private async Task<Result<PaymentAnswer>> ChargeAsync(Payment payment, IdempotencyRecord pending)
    {
        var result = await CallProcessorAsync(payment);
        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // Maybe charged, maybe not: the payment stays pending under its key rather than "failed, try a new key",
            // which could charge the customer twice. The webhook or a same-key retry settles it.
            logger.LogWarning("Processor {Processor} did not confirm {PaymentId} ({Code}); left pending", processor.Name, payment.DisplayId, result.FailureCode);
            return PaymentTransitions.Unconfirmed(UnconfirmedPayment, options.Value);
        }

        var now = clock.GetUtcNow();
        var updated = PaymentTransitions.Settled(payment, result, processor.Name, now);
        var written = await store.WriteAsync(new PaymentWrite
        {
            UpdatedPayment = updated,
            ExpectedVersion = payment.Version,
            CompletedIdempotency = PaymentIdempotency.Answered(pending, updated),
            Count = PaymentTransitions.CountOf(updated, now),
            Events = [PaymentEventData.Create(updated.Status == PaymentStatus.Succeeded ? PaymentEventTypes.Succeeded : PaymentEventTypes.Failed, updated, now)],
        }, CancellationToken.None);
        if (written.Status == PaymentWriteStatus.VersionConflict)
        {
            // The processor's webhook got here first: answer with what is stored now.
            updated = await store.GetAsync(payment.Id, CancellationToken.None) ?? updated;
            await store.WriteAsync(new PaymentWrite { CompletedIdempotency = PaymentIdempotency.Answered(pending, updated) }, CancellationToken.None);
        }
        else
        {
            feed.Publish(updated);
        }

        await FollowUpAsync(updated, result);
        return new PaymentAnswer(updated);
    }

    private async Task<ProcessorResult> CallProcessorAsync(Payment payment)
    {
        try
        {
            // The processor call must finish even if the client goes away: the payment is recorded or about to be.
            return await processor.ChargeAsync(new ProcessorCharge(payment.Id, payment.MerchantId, payment.Amount, payment.Currency, payment.CustomerId, payment.PaymentMethod,
                payment.DisplayId), CancellationToken.None);
        }
        catch (Exception ex) when (PaymentTransitions.IsTransport(ex))
        {
            logger.LogWarning("Processor {Processor} unreachable for {PaymentId}: {Error}", processor.Name, payment.DisplayId, ex.GetType().Name);
            return PaymentTransitions.Unanswered(ex);
        }
    }

    /// <summary>What the processor announced for later (the sandbox's dispute token) is applied as it would arrive by webhook.</summary>
    private async Task FollowUpAsync(Payment payment, ProcessorResult result)
    {
        if (result.DisputeExpected && result.Reference is { } reference)
        {
            await processorEvents.ApplyAsync(new ProcessorNotification(ProcessorNotificationType.DisputeCreated, reference, "sandbox_" + payment.Id.ToString("N"),
                Amount: payment.Amount, DisputeId: "sbx_dp_" + payment.Id.ToString("N"), DisputeReason: "fraudulent"), CancellationToken.None);
        }
    }

    private async Task<bool> IsApprovedAsync(Guid merchantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_approvedUntil.TryGetValue(merchantId, out var until) && until > now)
        {
            return true;
        }

        // Approval is final, so a short cache keeps a merchant-table read off the hot path.
        var approved = await merchants.GetAsync(merchantId, cancellationToken) is { Status: MerchantStatus.Approved };
        if (approved)
        {
            _approvedUntil[merchantId] = now.AddMinutes(1);
        }

        return approved;
    }

    private Payment NewPayment(Guid merchantId, PaymentRequest r, string key, FraudAssessment assessment, DateTimeOffset now)
    {
        var status = assessment.Decision switch
        {
            FraudDecision.Block => PaymentStatus.Blocked,
            FraudDecision.Review => PaymentStatus.HeldForReview,
            _ => PaymentStatus.Pending,
        };
        return new Payment(Guid.CreateVersion7(now), merchantId, r.Amount, r.Currency!, r.CustomerId!, r.PaymentMethod!, r.OrderId, r.DeviceId, r.IpAddress, r.Country,
            r.Metadata ?? new Dictionary<string, string>(), status,
            status == PaymentStatus.Blocked ? "fraud_blocked" : null,
            status == PaymentStatus.Blocked ? "Declined: the payment looks fraudulent." : null,
            false, assessment.Score, assessment.Factors, status == PaymentStatus.Pending ? processor.Name : null, null, 0, key, now, now, 1)
        {
            RuleVersion = assessment.RuleVersion,
        };
    }

    private static string DerivedKey(Guid merchantId, PaymentRequest r) =>
        "derived_" + PaymentIdempotency.Sha256Hex(string.Join('|', merchantId.ToString("N"), r.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Currency, r.CustomerId, r.OrderId));

    /// <summary>A fingerprint of the request's meaning (field order and spacing do not matter).</summary>
    internal static string RequestHash(PaymentRequest r)
    {
        // The fields as one JSON array written straight into a byte buffer (no boxing, no intermediate string): an
        // unambiguous encoding, so two different requests never hash alike.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteNumberValue(r.Amount);
            foreach (var field in (ReadOnlySpan<string?>)[r.Currency, r.CustomerId, r.PaymentMethod, r.OrderId, r.DeviceId, r.IpAddress, r.Country])
            {
                json.WriteStringValue(field);
            }

            if (r.Metadata is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteStartArray();
                foreach (var (k, v) in r.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteStartArray();
                    json.WriteStringValue(k);
                    json.WriteStringValue(v);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.WrittenSpan));
    }
}
