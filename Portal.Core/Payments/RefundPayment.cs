using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Core.Payments;

/// <summary>
/// Refunds all (no amount) or part of a succeeded payment, never above what is left; idempotent per key (without one,
/// per payment and amount). A merchant refunds only its own payments (another merchant's are "not found").
/// </summary>
public sealed class RefundPayment(
    IPaymentStore store,
    IPaymentProcessor processor,
    PaymentFeed feed,
    PaymentIdempotency idempotency,
    AuditService audit,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<RefundPayment> logger)
{
    public const int MaxReasonLength = 500;
    private const string InvalidTitle = "The refund has invalid fields";

    private const string UnconfirmedRefund =
        "The payment processor did not confirm the refund yet. Retry with the same Idempotency-Key in a few seconds: it is never refunded twice.";

    private readonly MerchantTurns _turns = new();

    /// <summary>The processor refused the refund: the amount is given back and the key released with this answer.</summary>
    public static Error Declined(string? message) => new(ErrorKind.Declined, message ?? "The processor declined the refund.", Title: "Refund failed");

    public Task<Result<RefundAnswer>> RefundAsync(Actor actor, PaymentId paymentId, long? amount, string? reason, string? idempotencyKey,
        CancellationToken cancellationToken = default) => RefundAsync(actor, paymentId, amount, reason, idempotencyKey, byAdmin: false, cancellationToken);

    /// <summary>A full refund an admin decides in fraud review (Fraud.Review.FraudCaseDecisions): any merchant's payment, admins only.</summary>
    public Task<Result<RefundAnswer>> RefundAsFraudAsync(Actor admin, PaymentId paymentId, string reason, string idempotencyKey, CancellationToken cancellationToken = default) =>
        RefundAsync(admin, paymentId, null, reason, idempotencyKey, byAdmin: true, cancellationToken);

    private async Task<Result<RefundAnswer>> RefundAsync(Actor actor, PaymentId paymentId, long? amount, string? reason, string? idempotencyKey, bool byAdmin,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (PaymentIdempotency.CheckKey(idempotencyKey) is { } keyProblem)
        {
            return keyProblem;
        }

        if (reason is { Length: > MaxReasonLength })
        {
            return Error.Validation(InvalidTitle, "reason", $"reason: at most {MaxReasonLength} characters.");
        }

        if (!CardNumberRules.IsClean(reason))
        {
            return Error.Validation(InvalidTitle, "reason", CardNumberRules.Message);
        }

        if (amount is <= 0)
        {
            return Error.Validation(InvalidTitle, "amount", "amount must be a positive whole number of minor units.");
        }

        var payment = await store.GetAsync(paymentId.Value, cancellationToken);
        if (payment is null || !(byAdmin ? actor.Role == Roles.Admin : actor.IsMerchant && payment.MerchantId == actor.MerchantId))
        {
            return Error.NotFound("No such payment.");
        }

        var key = idempotencyKey ?? "derived_" + PaymentIdempotency.Sha256Hex($"{payment.Id:N}|{amount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "full"}");
        var hash = PaymentIdempotency.Sha256Hex($"{payment.Id:N}|{amount}|{reason}");
        if (await idempotency.GetAsync(payment.MerchantId, PaymentIdempotency.RefundsScope, key, cancellationToken) is { } existing)
        {
            if (idempotency.IsAbandoned(existing) && existing.RequestHash == hash && await ResumeAsync(actor, payment, amount, reason, existing, cancellationToken) is { } resumed)
            {
                return resumed.TryGet(out var made) ? made with { Replayed = true }
                    : resumed.Error!.Kind == ErrorKind.Declined ? resumed.Error with { Replayed = true } : resumed;
            }

            return await idempotency.ReplayAsync(existing, hash, PaymentIdempotency.ReadRefund, null, cancellationToken);
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var refundAmount = amount ?? payment!.RefundableAmount;
            if (payment!.RefundableAmount == 0 || refundAmount > payment.RefundableAmount)
            {
                var left = payment.RefundableAmount;
                return Error.Validation("The refund is not possible", "amount", left == 0
                    ? $"This payment has nothing left to refund (status {PaymentEventData.StatusName(payment.Status)})."
                    : $"amount must not be above the {left} {payment.Currency} left to refund.");
            }

            var now = clock.GetUtcNow();
            var refund = new Refund(Guid.CreateVersion7(now), payment.Id, payment.MerchantId, refundAmount, payment.Currency, reason, null, now);
            var reserved = PaymentTransitions.Refunded(payment, payment.RefundedAmount + refundAmount, now);
            var pending = idempotency.Pending(payment.MerchantId, PaymentIdempotency.RefundsScope, key, hash, refund.Id, now);

            // Reserve first (the refunded amount moves up under the version check), so two refunds can never exceed the payment.
            var reservation = await store.WriteAsync(new PaymentWrite
            {
                NewIdempotency = pending,
                UpdatedPayment = reserved,
                ExpectedVersion = payment.Version,
            }, cancellationToken);
            if (reservation.Status == PaymentWriteStatus.IdempotencyKeyExists)
            {
                return await idempotency.ReplayAsync(reservation.Existing!, hash, PaymentIdempotency.ReadRefund, null, cancellationToken);
            }

            if (reservation.Status == PaymentWriteStatus.VersionConflict)
            {
                payment = await store.GetAsync(paymentId.Value, cancellationToken);
                continue;
            }

            return await CompleteAsync(actor, reserved, refund, pending, cancellationToken);
        }

        return Error.Conflict("The payment is changing right now. Try again.");
    }

    private async Task<Result<RefundAnswer>> CompleteAsync(Actor actor, Payment reserved, Refund refund, IdempotencyRecord pending, CancellationToken cancellationToken)
    {
        ProcessorResult result;
        try
        {
            result = await processor.RefundAsync(new ProcessorRefund(refund.Id, reserved.Id, reserved.ProcessorReference ?? "", refund.Amount, refund.Currency,
                refund.DisplayId), CancellationToken.None);
        }
        catch (Exception ex) when (PaymentTransitions.IsTransport(ex))
        {
            result = PaymentTransitions.Unanswered(ex);
        }

        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // Maybe refunded, maybe not: the amount stays reserved and the key pending; a same-key retry finishes it.
            logger.LogWarning("Processor {Processor} did not confirm refund {RefundId} of {PaymentId}; left pending", processor.Name, refund.DisplayId, reserved.DisplayId);
            return PaymentTransitions.Unconfirmed(UnconfirmedRefund, options.Value);
        }

        var now = clock.GetUtcNow();
        if (result.Outcome != ProcessorOutcome.Succeeded)
        {
            // Give the reserved amount back; the key is released (completed with the refusal) so the client can retry with a new key.
            var declined = Declined(result.Message);
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var current = await store.GetAsync(reserved.Id, CancellationToken.None) ?? reserved;
                var restored = PaymentTransitions.Refunded(current, current.RefundedAmount - refund.Amount, now);
                var undo = await store.WriteAsync(new PaymentWrite
                {
                    UpdatedPayment = restored,
                    ExpectedVersion = current.Version,
                    CompletedIdempotency = PaymentIdempotency.Declined(pending, declined.Detail!),
                }, CancellationToken.None);
                if (undo.Status == PaymentWriteStatus.Ok)
                {
                    break;
                }
            }

            await audit.AppendAsync(actor, new AuditEntry(AuditActions.PaymentRefundFailed, AuditOutcome.Failure, reserved.DisplayId, result.FailureCode), cancellationToken);
            return declined;
        }

        refund = refund with { ProcessorReference = result.Reference };
        var answer = new RefundAnswer(refund, reserved);
        await store.WriteAsync(new PaymentWrite
        {
            NewRefund = refund,
            CompletedIdempotency = PaymentIdempotency.Answered(pending, answer),
            Events = [PaymentEventData.Create(PaymentEventTypes.Refunded, reserved, now, w =>
            {
                w.WriteStartObject("refund");
                w.WriteString("id", refund.DisplayId);
                w.WriteNumber("amount", refund.Amount);
                w.WriteEndObject();
            })],
        }, CancellationToken.None);
        feed.Publish(reserved);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.PaymentRefunded, AuditOutcome.Success, reserved.DisplayId, $"refund={refund.DisplayId} amount={refund.Amount} {refund.Currency}"), cancellationToken);
        return answer;
    }

    /// <summary>
    /// Finishes a refund whose amount was reserved but never completed, when the client retries with the same key: the
    /// processor is asked again under the same refund id (its idempotency key, so a refund that did happen is not made
    /// twice), then the refund, its event and the answer are written as usual. The reserved amount is the payment's
    /// refunded amount beyond its recorded refunds. Null when there is nothing recognisable to finish.
    /// </summary>
    private async Task<Result<RefundAnswer>?> ResumeAsync(Actor actor, Payment payment, long? amount, string? reason, IdempotencyRecord pending,
        CancellationToken cancellationToken)
    {
        using var turn = await _turns.EnterAsync(payment.MerchantId, "refund:" + pending.ResourceId.ToString("N"), cancellationToken);
        if (await idempotency.GetAsync(pending.MerchantId, pending.Scope, pending.Key, cancellationToken) is not { Completed: false } stillPending
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
        return await CompleteAsync(actor, current, refund, stillPending, cancellationToken);
    }
}
