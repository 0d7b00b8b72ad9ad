using System.ComponentModel.DataAnnotations;

namespace Portal.Operations.SelfCheck;

/// <summary>Settings of the readiness self-check (section <c>Operations:SelfCheck</c>).</summary>
public sealed class SelfCheckOptions
{
    public const string Section = "Operations:SelfCheck";

    /// <summary>How often the checklist runs in the background; a failing item raises the portal alert. Zero turns the schedule off.</summary>
    public TimeSpan RunEvery { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A URL whose HTTP <c>Date</c> header is the reference clock (for example the processor's API or an internal time
    /// server's web page). Empty: the clock item is a warning, since there is nothing to compare with.
    /// </summary>
    public Uri? ClockReferenceUrl { get; set; }

    /// <summary>Largest tolerated difference from the reference clock. The Date header has one-second resolution.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many recent log lines the card-number scan reads (kept in memory only, since the portal logs to the console).</summary>
    [Range(10, RecentLogLines.Capacity)]
    public int LogLinesScanned { get; set; } = 2000;

    /// <summary>An undelivered webhook older than this is a warning.</summary>
    public TimeSpan WebhookWarnAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An undelivered webhook older than this is a failure.</summary>
    public TimeSpan WebhookFailAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A TLS certificate expiring sooner than this many days fails the check.</summary>
    [Range(1, 365)]
    public int CertificateMinDays { get; set; } = 30;
}
