using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Webhooks;

/// <summary>Outgoing webhooks, bound from the <c>Webhooks</c> section and validated at start-up.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6)];

    /// <summary>Allow http:// URLs and hosts on private, loopback or link-local addresses (development and tests only).</summary>
    public bool AllowInsecureUrls { get; set; }

    /// <summary>Run the dispatcher and the delivery worker in this process.</summary>
    public bool BackgroundDelivery { get; set; } = true;

    /// <summary>How often the dispatcher looks at the outbox when not woken by <see cref="IWebhookSignal"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Webhooks:PollInterval must be between 10 ms and 1 minute.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the worker looks for due retries when not woken by new deliveries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Webhooks:WorkerInterval must be between 10 ms and 1 minute.")]
    public TimeSpan WorkerInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Webhooks:Timeout must be between 1 second and 1 minute.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts (the first included) before a delivery is marked failed.</summary>
    [Range(1, 50, ErrorMessage = "Webhooks:MaxAttempts must be between 1 and 50.")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after attempt 1, 2, ...; the last repeats. Empty means <see cref="DefaultRetryDelays"/>.</summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>Each delay grows by a random share of up to this much, so retries of many deliveries spread out.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Webhooks:Jitter must be between 0 and 1.")]
    public double Jitter { get; set; } = 0.2;

    /// <summary>Endpoints sent to at the same time.</summary>
    [Range(1, 64, ErrorMessage = "Webhooks:MaxConcurrency must be between 1 and 64.")]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Deliveries taken per round, and at most a quarter of them for one endpoint.</summary>
    [Range(1, 1000, ErrorMessage = "Webhooks:BatchSize must be between 1 and 1000.")]
    public int BatchSize { get; set; } = 100;

    [Range(1, 100, ErrorMessage = "Webhooks:MaxEndpointsPerMerchant must be between 1 and 100.")]
    public int MaxEndpointsPerMerchant { get; set; } = 16;

    public TimeSpan RetryDelay(int attemptNumber, double random)
    {
        var delays = RetryDelays.Length > 0 ? RetryDelays : DefaultRetryDelays;
        var delay = delays[Math.Clamp(attemptNumber - 1, 0, delays.Count - 1)];
        return delay + (delay * Jitter * random);
    }
}
