namespace Portal.Core.Audit;

public enum AuditOutcome
{
    Success,
    Failure,
    Denied,
}

/// <summary>What a caller records: the actor comes separately, the time and chain fields are set by the log.</summary>
public sealed record AuditEntry(string Action, AuditOutcome Outcome, string? Target = null, string? Detail = null)
{
    /// <summary>The trace the event belongs to: taken from the current activity when the entry is made (not when the writer thread stores it).</summary>
    public string? TraceId { get; init; } = Diagnostics.TraceIds.Current;
}

/// <summary>One event of the hash chain, as stored.</summary>
public sealed record AuditEvent(
    long Sequence,
    Guid Id,
    DateTimeOffset OccurredAt,
    string? ActorId,
    string? ActorName,
    string? ActorRole,
    string Action,
    string? Target,
    string? SourceIp,
    AuditOutcome Outcome,
    string? Detail,
    string PreviousHash,
    string Hash,
    string? TraceId = null);

/// <summary>
/// Filters for reading the log, newest first. <see cref="BeforeSequence"/> is the keyset cursor (and
/// <see cref="AfterSequence"/> the ascending one, used by exports). <see cref="ActionPrefix"/> selects an area
/// (<c>kyc.</c>); <see cref="TargetType"/> one kind of target (see <see cref="AuditTargets"/>).
/// </summary>
public sealed record AuditQuery(
    int Limit = 50,
    long? BeforeSequence = null,
    string? Action = null,
    string? ActorId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Skip = 0,
    string? ActorRole = null,
    string? ActionPrefix = null,
    string? TargetType = null,
    AuditOutcome? Outcome = null,
    string? SourceIp = null,
    long? AfterSequence = null,
    bool Ascending = false,
    bool CountTotal = true,
    string? Target = null,
    string? TraceId = null);

public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, long? NextBeforeSequence, long Total)
{
    /// <summary>For ascending reads: the sequence to continue after, or null at the end.</summary>
    public long? NextAfterSequence { get; init; }

    /// <summary>
    /// A page from up to <paramref name="limit"/> + 1 events read in the query's order: the extra one only says that more
    /// follow, and the page's last event is where the next page starts (after it, or before it when reading newest first).
    /// Every adapter ends its read this way.
    /// </summary>
    internal static AuditPage Of(List<AuditEvent> events, int limit, bool ascending, long total)
    {
        long? next = null;
        if (events.Count > limit)
        {
            events.RemoveAt(limit);
            next = events[^1].Sequence;
        }

        return ascending ? new AuditPage(events, null, total) { NextAfterSequence = next } : new AuditPage(events, next, total);
    }
}

/// <summary>The result of walking the whole chain.</summary>
public sealed record AuditVerification(bool IsIntact, long EventsChecked, long? FirstBrokenSequence, string? Problem, DateTimeOffset VerifiedAt);

/// <summary>Action names, one place, so reports can filter on them.</summary>
public static class AuditActions
{
    public const string SignIn = "auth.sign_in";
    public const string SignOut = "auth.sign_out";
    public const string TokenIssued = "auth.token_issued";
    public const string SignUp = "auth.sign_up";
    public const string EmailConfirmed = "auth.email_confirmed";
    public const string PasswordReset = "auth.password_reset";
    public const string LockedOut = "auth.locked_out";
    public const string MfaEnrolled = "auth.mfa_enrolled";
    public const string MfaChallenge = "auth.mfa_challenge";
    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyRevoked = "api_key.revoked";
    public const string RolesChanged = "user.roles_changed";
    public const string RolesProposed = "user.roles_proposed";
    public const string RolesSentBack = "user.roles_sent_back";
    public const string AuditRead = "audit.read";
    public const string AuditVerified = "audit.verified";
    public const string PaymentViewed = "payment.viewed";

    // Fraud review queue (issue 16, part 1): cases of held payments and their outcomes.
    public const string FraudCaseOpened = "fraud_case.opened";
    public const string FraudCaseViewed = "fraud_case.viewed";
    public const string FraudCaseClaimed = "fraud_case.claimed";
    public const string FraudCaseApproved = "fraud_case.approved";
    public const string FraudCaseDeclined = "fraud_case.declined";
    public const string FraudCaseEscalated = "fraud_case.escalated";
    public const string FraudCaseRefundedAsFraud = "fraud_case.refunded_as_fraud";
    // Fraud allow/block lists and rule versions (issue 16, part 2).
    public const string FraudListEntryAdded = "fraud_list.entry_added";
    public const string FraudListEntryExpired = "fraud_list.entry_expired";
    public const string FraudListImported = "fraud_list.imported";
    public const string FraudRuleDraftSaved = "fraud_rules.draft_saved";
    public const string FraudRuleDraftDiscarded = "fraud_rules.draft_discarded";
    public const string FraudRulePublished = "fraud_rules.published";
    public const string FraudRuleBacktested = "fraud_rules.backtested";
    // Disputes (issue 17).
    public const string DisputeOpened = "dispute.opened";
    public const string DisputeProcessorUpdated = "dispute.processor_updated";
    public const string DisputeViewed = "dispute.viewed";
    public const string DisputeEvidenceSaved = "dispute.evidence_saved";
    public const string DisputeFileUploaded = "dispute.file_uploaded";
    public const string DisputeFileRefused = "dispute.file_refused";
    public const string DisputeFileViewed = "dispute.file_viewed";
    public const string DisputeSubmitted = "dispute.evidence_submitted";
    public const string DisputeAccepted = "dispute.accepted";
    public const string DisputeExpired = "dispute.expired";
    public const string DisputeOutcomeRecorded = "dispute.outcome_recorded";
    // Compliance (issue 18): every name that was a literal elsewhere, and the events earlier features missed.
    public const string AuthFailed = "auth.failed";
    public const string AccessDenied = "access.denied";
    public const string NotFoundForeign = "access.not_found";
    public const string AuditStarted = "audit.started";
    public const string AuditStopped = "audit.stopped";
    public const string AuditExported = "audit.exported";
    public const string AuditVerifyFailed = "audit.verify_failed";
    public const string ReportViewed = "report.viewed";
    public const string ReportExported = "report.exported";
    public const string SecuritySettingChanged = "security.setting_changed";
    public const string MerchantCreated = "merchant.created";
    public const string MerchantViewed = "merchant.viewed";
    public const string MerchantsListed = "merchant.listed";
    public const string MerchantDraftSaved = "merchant.draft_saved";
    public const string MerchantSubmitted = "merchant.submitted";
    public const string MerchantAssigned = "merchant.assigned";
    public const string MerchantReviewStarted = "merchant.startreview";
    public const string MerchantApproved = "merchant.approve";
    public const string MerchantRejected = "merchant.reject";
    public const string MerchantInformationRequested = "merchant.requestinformation";
    public const string MerchantDecisionProposed = "merchant.decision_proposed";
    public const string MerchantDecisionSentBack = "merchant.decision_sent_back";
    public const string MerchantBankAccountRevealed = "merchant.bank_account_revealed";
    public const string KycDocumentsListed = "kyc.documents_listed";
    public const string KycDocumentUploaded = "kyc.document_uploaded";
    public const string KycDocumentRefused = "kyc.document_refused";
    public const string KycDocumentAccepted = "kyc.document_accepted";
    public const string KycDocumentRejected = "kyc.document_rejected";
    public const string KycDocumentViewed = "kyc.document_viewed";
    public const string PaymentsListed = "payment.listed";
    public const string PaymentRefunded = "payment.refunded";
    public const string PaymentRefundFailed = "payment.refund_failed";
    public const string WebhookEndpointCreated = "webhook.endpoint_created";
    public const string WebhookEndpointUpdated = "webhook.endpoint_updated";
    public const string WebhookEndpointDeleted = "webhook.endpoint_deleted";
    public const string WebhookSecretRolled = "webhook.secret_rolled";
    public const string WebhookDeliveryReplayed = "webhook.delivery_replayed";
    // Fraud review repair (issue 16): a held payment found without a case got one.
    public const string FraudCaseRepaired = "fraud_case.repaired";
    // Retention (issue 18): events older than Audit:QueryableDays moved to archives.
    public const string AuditArchived = "audit.archived";

    /// <summary>Every action name above, for filters and the coverage report.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(AuditActions).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>The area of an action: the part before the first dot (<c>kyc</c> for <c>kyc.document_viewed</c>).</summary>
    public static string AreaOf(string action) => action.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? action[..dot] : action;
}
