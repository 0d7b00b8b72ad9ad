using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Fraud;
using Portal.Core.Merchants;
using Portal.Core.Security;

namespace Portal.Core.Payments;

public enum PaymentOutcome
{
    Ok,
    Invalid,
    NotFound,

    /// <summary>The merchant may not take payments (not approved).</summary>
    Forbidden,

    /// <summary>The idempotency key was used with a different request (422).</summary>
    KeyReused,

    /// <summary>A request with the same key is still being processed (409).</summary>
    InProgress,
    Conflict,

    /// <summary>
    /// The processor did not confirm what happened (503): the payment or refund stays pending under its key. Its webhook
    /// settles it; a retry with the same key, once the key counts as abandoned, asks the processor again.
    /// </summary>
    Unconfirmed,
}

/// <summary>
/// The answer to a payment or refund request. <see cref="StatusCode"/> and <see cref="Body"/> are what the client gets,
/// the same bytes on a replay (<see cref="Replayed"/>).
/// </summary>
public sealed record PaymentResponse(PaymentOutcome Outcome, int StatusCode = 0, string? Body = null, bool Replayed = false, Payment? Payment = null,
    string? Message = null, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static PaymentResponse Fail(PaymentOutcome outcome, string message, IReadOnlyDictionary<string, string[]>? errors = null) => new(outcome, Message: message, Errors: errors);
}

public sealed record PaymentListing(IReadOnlyList<Payment> Items, string? NextCursor);

public sealed record PaymentDetail(Payment Payment, IReadOnlyList<Refund> Refunds, IReadOnlyList<PaymentEvent> Events);

/// <summary>
/// Payments: initiation with idempotency and fraud scoring, refunds, processor notifications, listings and KPIs.
/// A merchant reaches only its own payments (another merchant's are "not found"); only approved merchants take payments.
/// </summary>
/// <remarks>
/// Initiation first records the payment as pending together with its idempotency record (so concurrent requests with one
/// key create one payment and only the winner calls the processor), then calls the processor with the payment's own
/// idempotency key, then records the outcome and the client's answer in one write. A request that finds its key pending
/// after the portal stopped half-way resumes the payment rather than charging again.
/// </remarks>
public sealed class PaymentService(
    IPaymentStore store,
    IEventOutbox outbox,
    IPaymentProcessor processor,
    IMerchantStore merchants,
    FraudScorer fraud,
    PaymentFeed feed,
    IAuditLog audit,
    IKeyRing keys,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<PaymentService> logger) : IProcessorNotifications
{
    public const string PaymentsScope = "payments";
    public const string RefundsScope = "refunds";
    public const int MaxPageSize = 100;
    private const int MaxKeyLength = 255;

    private readonly PaymentRequestValidator _validator = new(options);
    private readonly SignedCursor<PaymentKeyset> _cursors = new(keys, "payments");
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _approvedUntil = new();
    private readonly MerchantTurns _turns = new();

    /// <summary>Creates a payment, or replays the answer given for the same idempotency key. <paramref name="render"/> makes the response body.</summary>
    public async Task<PaymentResponse> InitiateAsync(Actor actor, PaymentRequest request, string? idempotencyKey, Func<Payment, string> render, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(render);
        if (!actor.IsMerchant)
        {
            return PaymentResponse.Fail(PaymentOutcome.Forbidden, "Payments are made with a merchant's API key.");
        }

        var merchantId = actor.MerchantId!.Value;
        request = request with { Currency = request.Currency?.ToLowerInvariant() };
        if (InvalidKey(idempotencyKey) is { } keyProblem)
        {
            return keyProblem;
        }

        var validation = await _validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
        {
            return PaymentResponse.Fail(PaymentOutcome.Invalid, "The payment has invalid fields", Errors(validation));
        }

        if (!await IsApprovedAsync(merchantId, cancellationToken))
        {
            return PaymentResponse.Fail(PaymentOutcome.Forbidden, "This merchant is not approved to take payments yet. Complete verification first.");
        }

        var key = idempotencyKey ?? DerivedKey(merchantId, request);
        var hash = RequestHash(request);
        if (await store.GetIdempotencyAsync(merchantId, PaymentsScope, key, cancellationToken) is { } existing)
        {
            return await ReplayAsync(existing, hash, render, cancellationToken);
        }

        // One initiation per customer at a time in this process: each is scored against a profile that already holds the
        // one before it, so a parallel burst (what card testing looks like) trips velocity and card testing like a serial one.
        using var customerTurn = await _turns.EnterAsync(merchantId, "customer:" + request.CustomerId, cancellationToken);
        var now = clock.GetUtcNow();
        var profile = await store.GetCustomerAsync(merchantId, request.CustomerId!, cancellationToken);
        var assessment = fraud.Assess(new FraudInput(request.Amount, request.DeviceId, request.Country, now), profile);
        var payment = NewPayment(merchantId, request, key, assessment, now);
        var activity = new PaymentActivity(merchantId, payment.CustomerId, payment.Amount, payment.DeviceId, payment.Country, now, PassedScreening: payment.Status == PaymentStatus.Pending);
        var initiated = PaymentEventData.Create(PaymentEventTypes.Initiated, payment, now);

        if (payment.Status != PaymentStatus.Pending)
        {
            // Blocked or held: decided without the processor, so the answer is final in the first write.
            var body = render(payment);
            IReadOnlyList<PaymentEvent> events = payment.Status == PaymentStatus.Blocked
                ? [initiated, PaymentEventData.Create(PaymentEventTypes.Failed, payment, now)]
                : [initiated];
            var decided = await store.WriteAsync(new PaymentWrite
            {
                NewIdempotency = Record(merchantId, PaymentsScope, key, hash, payment.Id, 201, body, now),
                NewPayment = payment,
                Activity = activity,
                Count = CountOf(payment, now),
                Events = events,
            }, cancellationToken);
            if (decided.Status == PaymentWriteStatus.IdempotencyKeyExists)
            {
                return await ReplayAsync(decided.Existing!, hash, render, cancellationToken);
            }

            feed.Publish(payment);
            return new PaymentResponse(PaymentOutcome.Ok, 201, body, Payment: payment);
        }

        if (!processor.MovesMoney)
        {
            return await SettleSimulatedAsync(payment, Record(merchantId, PaymentsScope, key, hash, payment.Id, 0, null, now), activity, initiated, render, cancellationToken);
        }

        var begun = await store.WriteAsync(new PaymentWrite
        {
            NewIdempotency = Record(merchantId, PaymentsScope, key, hash, payment.Id, 0, null, now),
            NewPayment = payment,
            Activity = activity,
            Events = [initiated],
        }, cancellationToken);
        if (begun.Status == PaymentWriteStatus.IdempotencyKeyExists)
        {
            return await ReplayAsync(begun.Existing!, hash, render, cancellationToken);
        }

        feed.Publish(payment);
        return await ChargeAsync(payment, Record(merchantId, PaymentsScope, key, hash, payment.Id, 0, null, now), render, cancellationToken);
    }

    /// <summary>Refunds all (no amount) or part of a succeeded payment, never above what is left; idempotent per key.</summary>
    public async Task<PaymentResponse> RefundAsync(Actor actor, Guid paymentId, long? amount, string? reason, string? idempotencyKey, Func<Refund, Payment, string> render,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(render);
        if (InvalidKey(idempotencyKey) is { } keyProblem)
        {
            return keyProblem;
        }

        if (reason is { Length: > 500 })
        {
            return PaymentResponse.Fail(PaymentOutcome.Invalid, "The refund has invalid fields", new Dictionary<string, string[]> { ["reason"] = ["reason: at most 500 characters."] });
        }

        if (!CardNumberRules.IsClean(reason))
        {
            return PaymentResponse.Fail(PaymentOutcome.Invalid, "The refund has invalid fields", new Dictionary<string, string[]> { ["reason"] = [CardNumberRules.Message] });
        }

        if (amount is <= 0)
        {
            return PaymentResponse.Fail(PaymentOutcome.Invalid, "The refund has invalid fields", new Dictionary<string, string[]> { ["amount"] = ["amount must be a positive whole number of minor units."] });
        }

        var payment = await store.GetAsync(paymentId, cancellationToken);
        if (payment is null || !actor.IsMerchant || payment.MerchantId != actor.MerchantId)
        {
            return PaymentResponse.Fail(PaymentOutcome.NotFound, "No such payment.");
        }

        var key = idempotencyKey ?? "derived_" + Sha256Hex($"{payment.Id:N}|{amount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "full"}");
        var hash = Sha256Hex($"{payment.Id:N}|{amount}|{reason}");
        if (await store.GetIdempotencyAsync(payment.MerchantId, RefundsScope, key, cancellationToken) is { } existing)
        {
            if (IsAbandoned(existing) && existing.RequestHash == hash && await ResumeRefundAsync(actor, payment, amount, reason, existing, render, cancellationToken) is { } resumed)
            {
                return resumed with { Replayed = true };
            }

            return await ReplayAsync(existing, hash, null, cancellationToken);
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var refundAmount = amount ?? payment!.RefundableAmount;
            if (payment!.RefundableAmount == 0 || refundAmount > payment.RefundableAmount)
            {
                var left = payment.RefundableAmount;
                return PaymentResponse.Fail(PaymentOutcome.Invalid, "The refund is not possible", new Dictionary<string, string[]>
                {
                    ["amount"] = [left == 0
                        ? $"This payment has nothing left to refund (status {PaymentEventData.StatusName(payment.Status)})."
                        : $"amount must not be above the {left} {payment.Currency} left to refund."],
                });
            }

            var now = clock.GetUtcNow();
            var refund = new Refund(Guid.CreateVersion7(now), payment.Id, payment.MerchantId, refundAmount, payment.Currency, reason, null, now);
            var reserved = Refunded(payment, payment.RefundedAmount + refundAmount, now);

            // Reserve first (the refunded amount moves up under the version check), so two refunds can never exceed the payment.
            var reservation = await store.WriteAsync(new PaymentWrite
            {
                NewIdempotency = Record(payment.MerchantId, RefundsScope, key, hash, refund.Id, 0, null, now),
                UpdatedPayment = reserved,
                ExpectedVersion = payment.Version,
            }, cancellationToken);
            if (reservation.Status == PaymentWriteStatus.IdempotencyKeyExists)
            {
                return await ReplayAsync(reservation.Existing!, hash, null, cancellationToken);
            }

            if (reservation.Status == PaymentWriteStatus.VersionConflict)
            {
                payment = await store.GetAsync(paymentId, cancellationToken);
                continue;
            }

            return await CompleteRefundAsync(actor, reserved, refund, Record(payment.MerchantId, RefundsScope, key, hash, refund.Id, 0, null, now), render, cancellationToken);
        }

        return PaymentResponse.Fail(PaymentOutcome.Conflict, "The payment is changing right now. Try again.");
    }

    /// <summary>One payment. Staff reads are audited: a payment holds the customer's id, IP address and device.</summary>
    public async Task<Payment?> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var payment = await store.GetAsync(id, cancellationToken);
        if (payment is null || !CanSee(actor, payment))
        {
            return null;
        }

        if (!actor.IsMerchant)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.PaymentViewed, AuditOutcome.Success, payment.DisplayId), cancellationToken);
        }

        return payment;
    }

    /// <summary>The payment with its refunds and events (timeline); staff reads are audited.</summary>
    public async Task<PaymentDetail?> DetailAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await GetAsync(actor, id, cancellationToken) is not { } payment)
        {
            return null;
        }

        return new PaymentDetail(payment, await store.RefundsAsync(id, cancellationToken), await outbox.ForPaymentAsync(id, cancellationToken));
    }

    /// <summary>Newest first. Merchants see their own; staff all, or one merchant's with <paramref name="merchantId"/>.</summary>
    public async Task<(PaymentListing? Listing, string? Error)> ListAsync(Actor actor, int? limit, string? cursor, PaymentStatus? status, string? customerId, Guid? merchantId,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant && !IsStaff(actor))
        {
            // Closed by default: a caller that is neither a merchant nor staff sees an empty listing, never everyone's.
            return (new PaymentListing([], null), null);
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return (null, $"limit must be an integer between 1 and {MaxPageSize}.");
        }

        var query = new PaymentListQuery(actor.IsMerchant ? actor.MerchantId : merchantId, status, string.IsNullOrWhiteSpace(customerId) ? null : customerId.Trim(), limit ?? 20);
        if (cursor is not null)
        {
            if (_cursors.Decode(cursor, Fingerprint(query)) is not { } after)
            {
                return (null, "cursor is not valid for this listing. Start again without a cursor.");
            }

            query = query with { After = after };
        }

        var page = await store.ListAsync(query, cancellationToken);
        return (new PaymentListing(page.Items, page.Next is { } next ? _cursors.Encode(next, Fingerprint(query)) : null), null);
    }

    /// <summary>Per-minute outcome counters of the merchant (own) or of everyone (staff) in the window ending now.</summary>
    public Task<IReadOnlyList<PaymentStatsBucket>> StatsAsync(Actor actor, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant && !IsStaff(actor))
        {
            return Task.FromResult<IReadOnlyList<PaymentStatsBucket>>([]);
        }

        var now = clock.GetUtcNow();
        return store.StatsAsync(actor.IsMerchant ? actor.MerchantId : null, now - window, now.AddMinutes(1), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> ApplyAsync(ProcessorNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await FindAsync(notification, cancellationToken) is not { } payment)
            {
                return false;
            }

            var now = clock.GetUtcNow();
            var (updated, eventType) = Apply(payment, notification, now);
            if (updated is null)
            {
                return true;
            }

            // A charge whose answer never arrived has no reference yet: take the processor's, so later events find it.
            updated = updated with { ProcessorReference = updated.ProcessorReference ?? notification.Reference };

            var result = await store.WriteAsync(new PaymentWrite
            {
                UpdatedPayment = updated,
                ExpectedVersion = payment.Version,
                Count = payment.Status == PaymentStatus.Pending ? CountOf(updated, now) : null,
                Events = [PaymentEventData.Create(eventType!, updated, now, w => WriteNotification(w, notification))],
            }, cancellationToken);
            if (result.Status == PaymentWriteStatus.Ok)
            {
                feed.Publish(updated);
                return true;
            }
        }

        throw new InvalidOperationException($"Payment with processor reference could not be updated after retries (event {notification.EventId}).");
    }

    /// <summary>
    /// The payment a notification is about: by the processor's reference, else by the portal id the processor echoed back,
    /// as long as that payment has no other reference (a timed-out charge the processor did make).
    /// </summary>
    private async Task<Payment?> FindAsync(ProcessorNotification notification, CancellationToken cancellationToken) =>
        await store.GetByProcessorReferenceAsync(notification.Reference, cancellationToken)
        ?? (notification.PaymentId is { } id && await store.GetAsync(id, cancellationToken) is { ProcessorReference: null } unlinked ? unlinked : null);

    private static (Payment? Updated, string? EventType) Apply(Payment p, ProcessorNotification n, DateTimeOffset now) => n.Type switch
    {
        // A retryable failure may have been an unknown outcome (timeout, still processing): the processor's word wins.
        ProcessorNotificationType.Succeeded when p.Status == PaymentStatus.Pending || (p.Status == PaymentStatus.Failed && p.Retryable) =>
            (p with { Status = PaymentStatus.Succeeded, FailureCode = null, FailureMessage = null, Retryable = false, UpdatedAt = now, Version = p.Version + 1 },
                PaymentEventTypes.Succeeded),
        ProcessorNotificationType.Failed when p.Status == PaymentStatus.Pending =>
            (p with { Status = PaymentStatus.Failed, FailureCode = n.FailureCode ?? "processor_declined", FailureMessage = n.Message, UpdatedAt = now, Version = p.Version + 1 }, PaymentEventTypes.Failed),
        ProcessorNotificationType.Refunded when n.Amount is { } refunded && refunded > p.RefundedAmount && refunded <= p.Amount =>
            (Refunded(p, refunded, now), PaymentEventTypes.Refunded),
        ProcessorNotificationType.DisputeCreated when p.Status != PaymentStatus.Disputed =>
            (p with { Status = PaymentStatus.Disputed, UpdatedAt = now, Version = p.Version + 1 }, PaymentEventTypes.DisputeCreated),
        _ => (null, null),
    };

    private static void WriteNotification(Utf8JsonWriter w, ProcessorNotification n)
    {
        if (n.Type != ProcessorNotificationType.DisputeCreated)
        {
            return;
        }

        w.WriteStartObject("dispute");
        w.WriteString("id", n.DisputeId);
        w.WriteNumber("amount", n.Amount ?? 0);
        w.WriteString("reason", n.DisputeReason);
        w.WriteEndObject();
    }

    /// <summary>
    /// A simulated processor moves no money, so it is asked first and the payment, its answer, the customer profile,
    /// counters and both events are recorded in one write. Concurrent requests with one key may each ask it; one write wins.
    /// </summary>
    private async Task<PaymentResponse> SettleSimulatedAsync(Payment payment, IdempotencyRecord pending, PaymentActivity activity, PaymentEvent initiated,
        Func<Payment, string> render, CancellationToken cancellationToken)
    {
        var result = await CallProcessorAsync(payment);
        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // A processor that moves no money has not acted either way: a plain retryable failure.
            result = result with { Outcome = ProcessorOutcome.Error };
        }

        var now = clock.GetUtcNow();
        var settled = Settled(payment, result, now) with { Version = payment.Version };
        var body = render(settled);
        var written = await store.WriteAsync(new PaymentWrite
        {
            NewIdempotency = pending with { StatusCode = 201, ResponseBody = body },
            NewPayment = settled,
            Activity = activity,
            Count = CountOf(settled, now),
            Events = [initiated, PaymentEventData.Create(settled.Status == PaymentStatus.Succeeded ? PaymentEventTypes.Succeeded : PaymentEventTypes.Failed, settled, now)],
        }, CancellationToken.None);
        if (written.Status == PaymentWriteStatus.IdempotencyKeyExists)
        {
            return await ReplayAsync(written.Existing!, pending.RequestHash, render, cancellationToken);
        }

        feed.Publish(settled);
        await FollowUpAsync(settled, result);
        return new PaymentResponse(PaymentOutcome.Ok, 201, body, Payment: settled);
    }

    private async Task<ProcessorResult> CallProcessorAsync(Payment payment)
    {
        try
        {
            // The processor call must finish even if the client goes away: the payment is recorded or about to be.
            return await processor.ChargeAsync(new ProcessorCharge(payment.Id, payment.MerchantId, payment.Amount, payment.Currency, payment.CustomerId, payment.PaymentMethod,
                payment.DisplayId), CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException or IOException)
        {
            logger.LogWarning("Processor {Processor} unreachable for {PaymentId}: {Error}", processor.Name, payment.DisplayId, ex.GetType().Name);
            return Unanswered(ex);
        }
    }

    /// <summary>A processor call that threw: certainly nothing happened if it never left; otherwise the outcome is unknown.</summary>
    private static ProcessorResult Unanswered(Exception ex) =>
        ProcessorResult.NeverSent(ex)
            ? new ProcessorResult(ProcessorOutcome.Error, null, "processor_unavailable", "The processor could not be reached. Try again.")
            : new ProcessorResult(ProcessorOutcome.Unknown, null, "processor_unconfirmed", "The processor did not confirm the outcome.");

    private const string UnconfirmedPayment =
        "The payment processor did not confirm the outcome yet. Retry with the same Idempotency-Key in a few seconds: it is never charged twice.";

    private const string UnconfirmedRefund =
        "The payment processor did not confirm the refund yet. Retry with the same Idempotency-Key in a few seconds: it is never refunded twice.";

    private Payment Settled(Payment payment, ProcessorResult result, DateTimeOffset now) => payment with
    {
        Status = result.Outcome == ProcessorOutcome.Succeeded ? PaymentStatus.Succeeded : PaymentStatus.Failed,
        FailureCode = result.Outcome == ProcessorOutcome.Succeeded ? null : result.FailureCode ?? "processor_declined",
        FailureMessage = result.Outcome == ProcessorOutcome.Succeeded ? null : result.Message,
        Retryable = result.Retryable,
        Processor = processor.Name,
        ProcessorReference = result.Reference,
        UpdatedAt = now,
        Version = payment.Version + 1,
    };

    /// <summary>What the processor announced for later (the sandbox's dispute token) is applied as it would arrive by webhook.</summary>
    private async Task FollowUpAsync(Payment payment, ProcessorResult result)
    {
        if (result.DisputeExpected && result.Reference is { } reference)
        {
            await ApplyAsync(new ProcessorNotification(ProcessorNotificationType.DisputeCreated, reference, "sandbox_" + payment.Id.ToString("N"),
                Amount: payment.Amount, DisputeId: "dp_" + payment.Id.ToString("N"), DisputeReason: "fraudulent"), CancellationToken.None);
        }
    }

    private async Task<PaymentResponse> ChargeAsync(Payment payment, IdempotencyRecord pending, Func<Payment, string> render, CancellationToken cancellationToken)
    {
        var result = await CallProcessorAsync(payment);
        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // Maybe charged, maybe not: the payment stays pending under its key rather than "failed, try a new key",
            // which could charge the customer twice. The webhook or a same-key retry settles it.
            logger.LogWarning("Processor {Processor} did not confirm {PaymentId} ({Code}); left pending", processor.Name, payment.DisplayId, result.FailureCode);
            return PaymentResponse.Fail(PaymentOutcome.Unconfirmed, UnconfirmedPayment);
        }

        var now = clock.GetUtcNow();
        var updated = Settled(payment, result, now);
        var body = render(updated);
        var written = await store.WriteAsync(new PaymentWrite
        {
            UpdatedPayment = updated,
            ExpectedVersion = payment.Version,
            CompletedIdempotency = pending with { StatusCode = 201, ResponseBody = body },
            Count = CountOf(updated, now),
            Events = [PaymentEventData.Create(updated.Status == PaymentStatus.Succeeded ? PaymentEventTypes.Succeeded : PaymentEventTypes.Failed, updated, now)],
        }, CancellationToken.None);
        if (written.Status == PaymentWriteStatus.VersionConflict)
        {
            // The processor's webhook got here first: answer with what is stored now.
            updated = await store.GetAsync(payment.Id, CancellationToken.None) ?? updated;
            body = render(updated);
            await store.WriteAsync(new PaymentWrite { CompletedIdempotency = pending with { StatusCode = 201, ResponseBody = body } }, CancellationToken.None);
        }
        else
        {
            feed.Publish(updated);
        }

        await FollowUpAsync(updated, result);
        return new PaymentResponse(PaymentOutcome.Ok, 201, body, Payment: updated);
    }

    private async Task<PaymentResponse> CompleteRefundAsync(Actor actor, Payment reserved, Refund refund, IdempotencyRecord pending, Func<Refund, Payment, string> render,
        CancellationToken cancellationToken)
    {
        ProcessorResult result;
        try
        {
            result = await processor.RefundAsync(new ProcessorRefund(refund.Id, reserved.Id, reserved.ProcessorReference ?? "", refund.Amount, refund.Currency,
                "re_" + refund.Id.ToString("N")), CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException or IOException)
        {
            result = Unanswered(ex);
        }

        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // Maybe refunded, maybe not: the amount stays reserved and the key pending; a same-key retry finishes it.
            logger.LogWarning("Processor {Processor} did not confirm refund {RefundId} of {PaymentId}; left pending", processor.Name, refund.DisplayId, reserved.DisplayId);
            return PaymentResponse.Fail(PaymentOutcome.Unconfirmed, UnconfirmedRefund);
        }

        var now = clock.GetUtcNow();
        if (result.Outcome != ProcessorOutcome.Succeeded)
        {
            // Give the reserved amount back; the key is released (completed with the error) so the client can retry with a new key.
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var current = await store.GetAsync(reserved.Id, CancellationToken.None) ?? reserved;
                var restored = Refunded(current, current.RefundedAmount - refund.Amount, now);
                var undo = await store.WriteAsync(new PaymentWrite
                {
                    UpdatedPayment = restored,
                    ExpectedVersion = current.Version,
                    CompletedIdempotency = pending with { StatusCode = 502, ResponseBody = ProblemBody("Refund failed", result.Message ?? "The processor declined the refund.") },
                }, CancellationToken.None);
                if (undo.Status == PaymentWriteStatus.Ok)
                {
                    break;
                }
            }

            await audit.AppendAsync(actor, new AuditEntry("payment.refund_failed", AuditOutcome.Failure, reserved.DisplayId, result.FailureCode), cancellationToken);
            return new PaymentResponse(PaymentOutcome.Ok, 502, ProblemBody("Refund failed", result.Message ?? "The processor declined the refund."));
        }

        refund = refund with { ProcessorReference = result.Reference };
        var body = render(refund, reserved);
        await store.WriteAsync(new PaymentWrite
        {
            NewRefund = refund,
            CompletedIdempotency = pending with { StatusCode = 201, ResponseBody = body },
            Events = [PaymentEventData.Create(PaymentEventTypes.Refunded, reserved, now, w =>
            {
                w.WriteStartObject("refund");
                w.WriteString("id", refund.DisplayId);
                w.WriteNumber("amount", refund.Amount);
                w.WriteEndObject();
            })],
        }, CancellationToken.None);
        feed.Publish(reserved);
        await audit.AppendAsync(actor, new AuditEntry("payment.refunded", AuditOutcome.Success, reserved.DisplayId, $"refund={refund.DisplayId} amount={refund.Amount} {refund.Currency}"), cancellationToken);
        return new PaymentResponse(PaymentOutcome.Ok, 201, body, Payment: reserved);
    }

    private async Task<PaymentResponse> ReplayAsync(IdempotencyRecord existing, string hash, Func<Payment, string>? render, CancellationToken cancellationToken)
    {
        if (!string.Equals(existing.RequestHash, hash, StringComparison.Ordinal))
        {
            return PaymentResponse.Fail(PaymentOutcome.KeyReused, "This idempotency key was already used for a different request. Use a new key for a new request.");
        }

        var waitUntil = clock.GetUtcNow() + options.Value.ConcurrentRequestWait;
        while (!existing.Completed)
        {
            if (IsAbandoned(existing) && render is not null && existing.Scope == PaymentsScope)
            {
                // The first request stopped half-way (the portal was stopped, or the processor never confirmed): finish
                // that payment instead of waiting forever; if the processor's webhook settled it meanwhile, answer that.
                if (await store.GetAsync(existing.ResourceId, cancellationToken) is { } left)
                {
                    if (left.Status == PaymentStatus.Pending)
                    {
                        var resumed = await ChargeAsync(left, existing, render, cancellationToken);
                        return resumed with { Replayed = true };
                    }

                    var body = render(left);
                    await store.WriteAsync(new PaymentWrite { CompletedIdempotency = existing with { StatusCode = 201, ResponseBody = body } }, CancellationToken.None);
                    return new PaymentResponse(PaymentOutcome.Ok, 201, body, Replayed: true, Payment: left);
                }
            }

            if (clock.GetUtcNow() > waitUntil)
            {
                return PaymentResponse.Fail(PaymentOutcome.InProgress, "A request with this idempotency key is still being processed. Retry in a moment.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), clock, cancellationToken);
            existing = await store.GetIdempotencyAsync(existing.MerchantId, existing.Scope, existing.Key, cancellationToken) ?? existing;
        }

        return new PaymentResponse(PaymentOutcome.Ok, existing.StatusCode, existing.ResponseBody, Replayed: true);
    }

    /// <summary>A key still pending long after any live request would have finished: its request stopped half-way (the portal was stopped, or the processor call threw).</summary>
    private bool IsAbandoned(IdempotencyRecord record) => !record.Completed && clock.GetUtcNow() - record.CreatedAt > options.Value.ConcurrentRequestWait * 2;

    /// <summary>
    /// Finishes a refund whose amount was reserved but never completed, when the client retries with the same key: the
    /// processor is asked again under the same refund id (its idempotency key, so a refund that did happen is not made
    /// twice), then the refund, its event and the answer are written as usual. The reserved amount is the payment's
    /// refunded amount beyond its recorded refunds. Null when there is nothing recognisable to finish.
    /// </summary>
    private async Task<PaymentResponse?> ResumeRefundAsync(Actor actor, Payment payment, long? amount, string? reason, IdempotencyRecord pending,
        Func<Refund, Payment, string> render, CancellationToken cancellationToken)
    {
        using var turn = await _turns.EnterAsync(payment.MerchantId, "refund:" + pending.ResourceId.ToString("N"), cancellationToken);
        if (await store.GetIdempotencyAsync(pending.MerchantId, pending.Scope, pending.Key, cancellationToken) is not { Completed: false } stillPending
            || await store.GetAsync(payment.Id, cancellationToken) is not { } current)
        {
            return null; // finished meanwhile: an ordinary replay answers
        }

        var unrecorded = current.RefundedAmount - (await store.RefundsAsync(current.Id, cancellationToken)).Sum(r => r.Amount);
        var refundAmount = amount ?? unrecorded;
        if (refundAmount <= 0 || refundAmount > unrecorded)
        {
            return null;
        }

        logger.LogWarning("Resuming refund {RefundId} of {PaymentId} left pending since {Since}", pending.ResourceId, current.DisplayId, pending.CreatedAt);
        var refund = new Refund(pending.ResourceId, current.Id, current.MerchantId, refundAmount, current.Currency, reason, null, pending.CreatedAt);
        return await CompleteRefundAsync(actor, current, refund, stillPending, render, cancellationToken);
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
            false, assessment.Score, assessment.Factors, status == PaymentStatus.Pending ? processor.Name : null, null, 0, key, now, now, 1);
    }

    private static Payment Refunded(Payment p, long refundedAmount, DateTimeOffset now) => p with
    {
        RefundedAmount = refundedAmount,
        Status = refundedAmount == 0 ? PaymentStatus.Succeeded : refundedAmount >= p.Amount ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded,
        UpdatedAt = now,
        Version = p.Version + 1,
    };

    private IdempotencyRecord Record(Guid merchantId, string scope, string key, string hash, Guid resourceId, int statusCode, string? body, DateTimeOffset now) =>
        new(merchantId, key, scope, hash, resourceId, statusCode, body, now, now + options.Value.IdempotencyWindow);

    private static PaymentOutcomeCount CountOf(Payment p, DateTimeOffset now) => new(p.MerchantId, now, p.Status, p.FailureCode, p.Currency, p.Amount);

    private static PaymentResponse? InvalidKey(string? key) =>
        key is null ? null
        : key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~')
            ? PaymentResponse.Fail(PaymentOutcome.Invalid, "The Idempotency-Key header is invalid",
                new Dictionary<string, string[]> { ["Idempotency-Key"] = [$"Idempotency-Key must be 1 to {MaxKeyLength} visible ASCII characters."] })
        // The key is stored with the payment, so a card number sent as the key would be stored too. UUIDs and 32-hex keys
        // are exempt id shapes, so a random key is never refused.
        : CardNumberDetector.ContainsCardNumber(key)
            ? PaymentResponse.Fail(PaymentOutcome.Invalid, "The Idempotency-Key header is invalid",
                new Dictionary<string, string[]> { ["Idempotency-Key"] = ["Idempotency-Key must not be a card number. Use a random value such as a UUID."] })
        : null;

    private static string DerivedKey(Guid merchantId, PaymentRequest r) =>
        "derived_" + Sha256Hex(string.Join('|', merchantId.ToString("N"), r.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Currency, r.CustomerId, r.OrderId));

    /// <summary>A fingerprint of the request's meaning (field order and spacing do not matter).</summary>
    private static string RequestHash(PaymentRequest r) => Sha256Hex(JsonSerializer.Serialize(new object?[]
    {
        r.Amount, r.Currency, r.CustomerId, r.PaymentMethod, r.OrderId, r.DeviceId, r.IpAddress, r.Country,
        r.Metadata?.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new[] { kv.Key, kv.Value }).ToArray(),
    }));

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string ProblemBody(string title, string detail) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.6.3", ["title"] = title, ["status"] = 502, ["detail"] = detail });

    private static bool IsStaff(Actor actor) => actor.Role is "Admin" or "Compliance";

    private static bool CanSee(Actor actor, Payment payment) => IsStaff(actor) || (actor.IsMerchant && actor.MerchantId == payment.MerchantId);

    private static string Fingerprint(PaymentListQuery q) => $"{q.MerchantId}|{q.Status}|{q.CustomerId}|{q.Limit}";

    private static Dictionary<string, string[]> Errors(FluentValidation.Results.ValidationResult result) =>
        result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
}
