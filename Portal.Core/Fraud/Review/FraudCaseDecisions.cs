using Microsoft.Extensions.Logging;
using Portal.Core.Audit;
using Portal.Core.Payments;
using Portal.Core.Security;

namespace Portal.Core.Fraud.Review;

/// <summary>The case and its payment after an outcome.</summary>
public sealed record FraudCaseOutcome(FraudCase Case, Payment? Payment);

/// <summary>
/// An admin's actions on a fraud review case: claim ("Assign to me"), approve, decline, escalate, refund as fraud, and
/// decline in bulk. Admins only; each action is audited. Every case change is a conditional write at the version read, so of
/// two admins (or two clicks) only one changes a case; the loser is told who holds or decided it.
/// </summary>
/// <remarks>
/// Approval sends the payment to the processor exactly once: the case moves to approved first (only one writer wins that
/// version), then the payment moves from held to pending under its own version (only one writer wins that either), and
/// only the winner of both calls the processor. A retried approval by the same admin finds the case approved: it answers
/// with the current state, and finishes the payment only if it is still held (the first attempt stopped before the payment
/// moved); a payment already pending is in the hands of the attempt that moved it.
/// </remarks>
public sealed class FraudCaseDecisions(
    IFraudCaseStore cases,
    IPaymentStore payments,
    IPaymentProcessor processor,
    RefundPayment refunds,
    PaymentFeed feed,
    AuditService audit,
    TimeProvider clock,
    ILogger<FraudCaseDecisions> logger)
{
    public const int MaxNoteLength = 1000;
    public const string DeclinedCode = "fraud_review_declined";
    private const int MaxAttempts = 5;
    private const string InvalidNote = "The note is invalid";

    public static string NameOf(Actor actor) => (actor ?? throw new ArgumentNullException(nameof(actor))).Name ?? actor.UserId ?? "an admin";

    /// <summary>"Assign to me": the caller takes an open or escalated case; a case another admin holds is a conflict naming them.</summary>
    public async Task<Result<FraudCase>> ClaimAsync(Actor actor, Guid caseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await DenyAsync(actor, AuditActions.FraudCaseClaimed, caseId, cancellationToken) is { } denied)
        {
            return denied;
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await cases.GetAsync(caseId, cancellationToken) is not { } current)
            {
                return Error.NotFound("No such fraud review case.");
            }

            if (current.AssigneeId == actor.UserId && current.Status.IsActive())
            {
                return current;
            }

            if (Blocking(actor, current) is { } blocked)
            {
                await AuditAsync(actor, AuditActions.FraudCaseClaimed, AuditOutcome.Failure, current, blocked.Detail, cancellationToken);
                return blocked;
            }

            var claimed = Changed(current, actor) with
            {
                Status = current.Status == FraudCaseStatus.Escalated ? FraudCaseStatus.Escalated : FraudCaseStatus.Claimed,
                AssigneeId = actor.UserId,
                AssigneeName = NameOf(actor),
            };
            if (await cases.UpdateAsync(claimed, current.Version, cancellationToken) == FraudCaseWriteOutcome.Done)
            {
                await AuditAsync(actor, AuditActions.FraudCaseClaimed, AuditOutcome.Success, claimed, null, cancellationToken);
                return claimed;
            }
        }

        return Busy();
    }

    /// <summary>Approves the case and sends the held payment to the processor, exactly once (see the class remarks). No note needed.</summary>
    public async Task<Result<FraudCaseOutcome>> ApproveAsync(Actor actor, Guid caseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await DenyAsync(actor, AuditActions.FraudCaseApproved, caseId, cancellationToken) is { } denied)
        {
            return denied;
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await cases.GetAsync(caseId, cancellationToken) is not { } current)
            {
                return Error.NotFound("No such fraud review case.");
            }

            if (current.Status == FraudCaseStatus.Approved && current.AssigneeId == actor.UserId)
            {
                // A retried click: never a second charge; finish only a payment that was never moved out of held.
                return new FraudCaseOutcome(current, await ProceedAsync(current, cancellationToken));
            }

            if (Blocking(actor, current) is { } blocked)
            {
                await AuditAsync(actor, AuditActions.FraudCaseApproved, AuditOutcome.Failure, current, blocked.Detail, cancellationToken);
                return blocked;
            }

            var approved = Decided(current, actor, FraudCaseStatus.Approved, null, "approve");
            if (await cases.UpdateAsync(approved, current.Version, cancellationToken) != FraudCaseWriteOutcome.Done)
            {
                continue;
            }

            await AuditAsync(actor, AuditActions.FraudCaseApproved, AuditOutcome.Success, approved, $"payment={approved.PaymentDisplayId}", cancellationToken);
            return new FraudCaseOutcome(approved, await ProceedAsync(approved, CancellationToken.None));
        }

        return Busy();
    }

    /// <summary>Declines the case with a note: the held payment fails with <see cref="DeclinedCode"/>; the processor is never called.</summary>
    public async Task<Result<FraudCaseOutcome>> DeclineAsync(Actor actor, Guid caseId, string? note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await DenyAsync(actor, AuditActions.FraudCaseDeclined, caseId, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (CheckNote(note) is { } invalid)
        {
            return invalid;
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await cases.GetAsync(caseId, cancellationToken) is not { } current)
            {
                return Error.NotFound("No such fraud review case.");
            }

            if (Blocking(actor, current) is { } blocked)
            {
                await AuditAsync(actor, AuditActions.FraudCaseDeclined, AuditOutcome.Failure, current, blocked.Detail, cancellationToken);
                return blocked;
            }

            var declined = Decided(current, actor, FraudCaseStatus.Declined, note!.Trim(), "decline");
            if (await cases.UpdateAsync(declined, current.Version, cancellationToken) != FraudCaseWriteOutcome.Done)
            {
                continue;
            }

            await AuditAsync(actor, AuditActions.FraudCaseDeclined, AuditOutcome.Success, declined, $"payment={declined.PaymentDisplayId}", cancellationToken);
            return new FraudCaseOutcome(declined, await FailHeldAsync(declined, CancellationToken.None));
        }

        return Busy();
    }

    /// <summary>Sends the case to the escalation queue with a note; it leaves its holder, and any admin may claim it there.</summary>
    public async Task<Result<FraudCase>> EscalateAsync(Actor actor, Guid caseId, string? note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await DenyAsync(actor, AuditActions.FraudCaseEscalated, caseId, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (CheckNote(note) is { } invalid)
        {
            return invalid;
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await cases.GetAsync(caseId, cancellationToken) is not { } current)
            {
                return Error.NotFound("No such fraud review case.");
            }

            if (current.Status == FraudCaseStatus.Escalated && current.AssigneeId is null)
            {
                return Error.Conflict($"{current.UpdatedBy ?? "Another admin"} already escalated this case.", "Already escalated");
            }

            if (Blocking(actor, current) is { } blocked)
            {
                await AuditAsync(actor, AuditActions.FraudCaseEscalated, AuditOutcome.Failure, current, blocked.Detail, cancellationToken);
                return blocked;
            }

            var escalated = Changed(current, actor) with
            {
                Status = FraudCaseStatus.Escalated,
                AssigneeId = null,
                AssigneeName = null,
                Notes = [.. current.Notes, new FraudCaseNote(clock.GetUtcNow(), NameOf(actor), "escalate", note!.Trim())],
            };
            if (await cases.UpdateAsync(escalated, current.Version, cancellationToken) == FraudCaseWriteOutcome.Done)
            {
                await AuditAsync(actor, AuditActions.FraudCaseEscalated, AuditOutcome.Success, escalated, null, cancellationToken);
                return escalated;
            }
        }

        return Busy();
    }

    /// <summary>
    /// For a payment that already passed (approved, then found to be fraud): refunds what is left of it through
    /// <see cref="RefundPayment"/> (idempotent per case, so a retried click refunds once) and marks the case.
    /// </summary>
    public async Task<Result<FraudCaseOutcome>> RefundAsFraudAsync(Actor actor, Guid caseId, string? note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await DenyAsync(actor, AuditActions.FraudCaseRefundedAsFraud, caseId, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (CheckNote(note) is { } invalid)
        {
            return invalid;
        }

        if (await cases.GetAsync(caseId, cancellationToken) is not { } current)
        {
            return Error.NotFound("No such fraud review case.");
        }

        if (current.Status != FraudCaseStatus.Approved)
        {
            return Error.Conflict(current.Status == FraudCaseStatus.RefundedAsFraud
                ? $"{current.UpdatedBy ?? "Another admin"} already refunded this payment as fraud."
                : "Only a payment that went through (an approved case) can be refunded as fraud.", "Not refundable");
        }

        var refunded = await refunds.RefundAsFraudAsync(actor, new PaymentId(current.PaymentId), "fraud: " + note!.Trim(), "fraud_" + current.Id.ToString("N"), cancellationToken);
        if (!refunded.TryGet(out var answer))
        {
            await AuditAsync(actor, AuditActions.FraudCaseRefundedAsFraud, AuditOutcome.Failure, current, refunded.Error!.Message, cancellationToken);
            return refunded.Error!;
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var latest = await cases.GetAsync(caseId, CancellationToken.None) ?? current;
            if (latest.Status == FraudCaseStatus.RefundedAsFraud)
            {
                return new FraudCaseOutcome(latest, answer.Payment);
            }

            var marked = Decided(latest, actor, FraudCaseStatus.RefundedAsFraud, note.Trim(), "refund_as_fraud");
            if (await cases.UpdateAsync(marked, latest.Version, CancellationToken.None) == FraudCaseWriteOutcome.Done)
            {
                await AuditAsync(actor, AuditActions.FraudCaseRefundedAsFraud, AuditOutcome.Success, marked, $"refund={answer.Refund.DisplayId}", CancellationToken.None);
                return new FraudCaseOutcome(marked, answer.Payment);
            }
        }

        return Busy();
    }

    /// <summary>Declines each case with one note; the result names each case that could not be declined and why.</summary>
    public async Task<Result<IReadOnlyList<(Guid CaseId, Error? Error)>>> DeclineManyAsync(Actor actor, IReadOnlyCollection<Guid> caseIds, string? note,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(caseIds);
        if (actor.Role != Roles.Admin)
        {
            return Error.Forbidden("Only admins decide fraud review cases.");
        }

        if (CheckNote(note) is { } invalid)
        {
            return invalid;
        }

        if (caseIds.Count is 0 or > 100)
        {
            return Error.Validation("The selection is invalid", "case_ids", "Select between 1 and 100 cases.");
        }

        var results = new List<(Guid, Error?)>();
        foreach (var id in caseIds.Distinct())
        {
            var declined = await DeclineAsync(actor, id, note, cancellationToken);
            results.Add((id, declined.Error));
        }

        return results;
    }

    /// <summary>The conflict that stops the caller acting on the case, or null when they may.</summary>
    private static Error? Blocking(Actor actor, FraudCase current)
    {
        if (!current.Status.IsActive())
        {
            return Error.Conflict($"{current.UpdatedBy ?? "Another admin"} already {Verb(current.Status)} this case.", "Already decided");
        }

        if (current.AssigneeId is { } holder && holder != actor.UserId)
        {
            return Error.Conflict($"{current.AssigneeName ?? "Another admin"} is working this case. Only they can act on it now.", "Case claimed by another admin");
        }

        return null;
    }

    private static string Verb(FraudCaseStatus status) => status switch
    {
        FraudCaseStatus.Approved => "approved",
        FraudCaseStatus.Declined => "declined",
        FraudCaseStatus.RefundedAsFraud => "refunded as fraud",
        FraudCaseStatus.Escalated => "escalated",
        FraudCaseStatus.Claimed => "claimed",
        FraudCaseStatus.Open => "reopened",
        _ => "changed",
    };

    private FraudCase Changed(FraudCase current, Actor actor) => current with
    {
        UpdatedAt = clock.GetUtcNow(),
        UpdatedBy = NameOf(actor),
        Version = current.Version + 1,
    };

    private FraudCase Decided(FraudCase current, Actor actor, FraudCaseStatus status, string? note, string action) => Changed(current, actor) with
    {
        Status = status,
        AssigneeId = actor.UserId,
        AssigneeName = NameOf(actor),
        Notes = note is null ? current.Notes : [.. current.Notes, new FraudCaseNote(clock.GetUtcNow(), NameOf(actor), action, note)],
    };

    private static Error? CheckNote(string? note)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            return Error.Validation(InvalidNote, "note", "note: write why (it is kept with the case and in the audit log).");
        }

        if (note.Length > MaxNoteLength)
        {
            return Error.Validation(InvalidNote, "note", $"note: at most {MaxNoteLength} characters.");
        }

        return CardNumberRules.IsClean(note) ? null : Error.Validation(InvalidNote, "note", CardNumberRules.Message);
    }

    private async Task<Error?> DenyAsync(Actor actor, string action, Guid caseId, CancellationToken cancellationToken)
    {
        if (actor.Role == Roles.Admin)
        {
            return null;
        }

        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Denied, new FraudCaseId(caseId).ToString()), cancellationToken);
        return Error.Forbidden("Only admins decide fraud review cases.");
    }

    private Task<AuditEvent> AuditAsync(Actor actor, string action, AuditOutcome outcome, FraudCase fraudCase, string? detail, CancellationToken cancellationToken) =>
        audit.AppendAsync(actor, new AuditEntry(action, outcome, fraudCase.DisplayId, detail), cancellationToken);

    private static Error Busy() => Error.Conflict("The case is changing right now. Reload it and try again.");

    /// <summary>Held → pending (the guard), then the processor, then the outcome. Null when the payment is gone.</summary>
    private async Task<Payment?> ProceedAsync(FraudCase approved, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await payments.GetAsync(approved.PaymentId, cancellationToken) is not { } held)
            {
                return null;
            }

            if (held.Status != PaymentStatus.HeldForReview)
            {
                return held; // moved by the attempt that won, or settled already
            }

            var now = clock.GetUtcNow();
            var pending = held with { Status = PaymentStatus.Pending, Processor = processor.Name, UpdatedAt = now, Version = held.Version + 1 };
            var moved = await payments.WriteAsync(new PaymentWrite { UpdatedPayment = pending, ExpectedVersion = held.Version }, CancellationToken.None);
            if (moved.Status != PaymentWriteStatus.Ok)
            {
                continue;
            }

            feed.Publish(pending);
            return await ChargeAsync(pending);
        }

        return await payments.GetAsync(approved.PaymentId, CancellationToken.None);
    }

    private async Task<Payment> ChargeAsync(Payment payment)
    {
        ProcessorResult result;
        try
        {
            result = await processor.ChargeAsync(new ProcessorCharge(payment.Id, payment.MerchantId, payment.Amount, payment.Currency, payment.CustomerId,
                payment.PaymentMethod, payment.DisplayId), CancellationToken.None);
        }
        catch (Exception ex) when (PaymentTransitions.IsTransport(ex))
        {
            result = PaymentTransitions.Unanswered(ex);
        }

        if (result.Outcome == ProcessorOutcome.Unknown)
        {
            // Maybe charged: the payment stays pending for the processor's webhook to settle, never charged again from here.
            logger.LogWarning("Processor {Processor} did not confirm approved payment {PaymentId}; left pending", processor.Name, payment.DisplayId);
            return payment;
        }

        var now = clock.GetUtcNow();
        var settled = PaymentTransitions.Settled(payment, result, processor.Name, now);
        var written = await payments.WriteAsync(new PaymentWrite
        {
            UpdatedPayment = settled,
            ExpectedVersion = payment.Version,
            Count = PaymentTransitions.CountOf(settled, now),
            Events = [PaymentEventData.Create(settled.Status == PaymentStatus.Succeeded ? PaymentEventTypes.Succeeded : PaymentEventTypes.Failed, settled, now)],
        }, CancellationToken.None);
        if (written.Status != PaymentWriteStatus.Ok)
        {
            // The processor's webhook got here first.
            return await payments.GetAsync(payment.Id, CancellationToken.None) ?? settled;
        }

        feed.Publish(settled);
        return settled;
    }

    private async Task<Payment?> FailHeldAsync(FraudCase declined, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await payments.GetAsync(declined.PaymentId, cancellationToken) is not { } held)
            {
                return null;
            }

            if (held.Status != PaymentStatus.HeldForReview)
            {
                return held;
            }

            var now = clock.GetUtcNow();
            var failed = held with
            {
                Status = PaymentStatus.Failed,
                FailureCode = DeclinedCode,
                FailureMessage = "Declined after fraud review.",
                Retryable = false,
                UpdatedAt = now,
                Version = held.Version + 1,
            };
            var written = await payments.WriteAsync(new PaymentWrite
            {
                UpdatedPayment = failed,
                ExpectedVersion = held.Version,
                Count = PaymentTransitions.CountOf(failed, now),
                Events = [PaymentEventData.Create(PaymentEventTypes.Failed, failed, now)],
            }, cancellationToken);
            if (written.Status == PaymentWriteStatus.Ok)
            {
                feed.Publish(failed);
                return failed;
            }
        }

        return await payments.GetAsync(declined.PaymentId, CancellationToken.None);
    }
}
