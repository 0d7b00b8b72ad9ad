namespace Portal.Core.Audit;

public enum AuditOutcome
{
    Success,
    Failure,
    Denied,
}

/// <summary>What a caller records: the actor comes separately, the time and chain fields are set by the log.</summary>
public sealed record AuditEntry(string Action, AuditOutcome Outcome, string? Target = null, string? Detail = null);

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
    string Hash);

/// <summary>Filters for reading the log, newest first. <see cref="BeforeSequence"/> is the keyset cursor.</summary>
public sealed record AuditQuery(
    int Limit = 50,
    long? BeforeSequence = null,
    string? Action = null,
    string? ActorId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Skip = 0);

public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, long? NextBeforeSequence, long Total);

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
}
