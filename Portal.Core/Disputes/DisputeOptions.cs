using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Disputes;

/// <summary>Dispute settings, section <c>Disputes</c>.</summary>
public sealed class DisputeOptions
{
    public const string Section = "Disputes";

    /// <summary>The sandbox's evidence deadline, in days after the dispute opens (Stripe's deadlines are its own, from <c>evidence_details.due_by</c>).</summary>
    [Range(1, 60)]
    public int SandboxResponseDays { get; set; } = 7;

    /// <summary>How long before the deadline the merchant is reminded when no evidence was submitted.</summary>
    [Range(1, 240)]
    public int ReminderHours { get; set; } = 48;

    /// <summary>How often the sweep stores expiries and sends reminders.</summary>
    [Range(1, 3600)]
    public int SweepIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// How old a dispute's owed webhook event must be before the sweep publishes it: longer than a request takes to write the
    /// dispute and then the outbox, so the sweep repairs only what a stopped process left behind.
    /// </summary>
    [Range(5, 3600)]
    public int OwedEventGraceSeconds { get; set; } = 60;

    /// <summary>Largest evidence file; PDF, JPEG or PNG only (the same intake as KYC documents).</summary>
    [Range(1024, 50L * 1024 * 1024)]
    public long MaxFileBytes { get; set; } = 5L * 1024 * 1024;

    [Range(1, 50)]
    public int MaxFilesPerDispute { get; set; } = 20;

    /// <summary>The dispute rate (disputes ÷ payments, last 30 days) at which the merchant is warned: the card networks' monitoring level.</summary>
    [Range(0.01, 100)]
    public double RateWarningPercent { get; set; } = 0.9;
}
