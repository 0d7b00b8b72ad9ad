namespace Portal.Operations.SelfCheck;

/// <summary>How one item of the readiness checklist stands.</summary>
public enum SelfCheckStatus
{
    Pass,
    Warn,
    Fail,

    /// <summary>The item does not apply to this deployment (an AWS setting in embedded mode, no TLS certificate configured here).</summary>
    NotApplicable,
}

/// <summary>One item's outcome: what was found, and what to do about it (empty when nothing).</summary>
public sealed record SelfCheckResult(string Id, string Title, SelfCheckStatus Status, string Finding, string Action = "");

/// <summary>One run of the whole checklist.</summary>
public sealed record SelfCheckReport(DateTimeOffset RanAt, IReadOnlyList<SelfCheckResult> Items)
{
    public int Failures => Items.Count(i => i.Status == SelfCheckStatus.Fail);

    public int Warnings => Items.Count(i => i.Status == SelfCheckStatus.Warn);
}

/// <summary>One item of the checklist. Each runs on its own; one that throws is a failure of that item only.</summary>
public interface ISelfCheck
{
    string Id { get; }

    string Title { get; }

    Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken);
}

/// <summary>Shorthands so each check reads as its rule.</summary>
internal static class SelfCheckResults
{
    public static SelfCheckResult Pass(this ISelfCheck check, string finding) => new(check.Id, check.Title, SelfCheckStatus.Pass, finding);

    public static SelfCheckResult Warn(this ISelfCheck check, string finding, string action) => new(check.Id, check.Title, SelfCheckStatus.Warn, finding, action);

    public static SelfCheckResult Fail(this ISelfCheck check, string finding, string action) => new(check.Id, check.Title, SelfCheckStatus.Fail, finding, action);

    public static SelfCheckResult NotApplicable(this ISelfCheck check, string finding) => new(check.Id, check.Title, SelfCheckStatus.NotApplicable, finding);
}
