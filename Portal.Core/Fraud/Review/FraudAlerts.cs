using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Notifications;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Review;

/// <summary>A payment fraud scoring held or blocked just now. <see cref="Link"/> is its case (held) or the payment (blocked: no case).</summary>
public sealed record FraudAlert(Guid PaymentId, Guid? CaseId, Guid MerchantId, long Amount, string Currency, int Score, PaymentStatus Status, DateTimeOffset At)
{
    public string PaymentDisplayId => new PaymentId(PaymentId).ToString();

    public string Link => CaseId is { } id ? $"/admin/fraud/{new FraudCaseId(id)}" : $"/admin/transactions/{PaymentDisplayId}";

    public string Title => Status == PaymentStatus.Blocked
        ? $"Payment {PaymentDisplayId} blocked (score {Score})"
        : $"Payment {PaymentDisplayId} held for review (score {Score})";
}

/// <summary>
/// Real-time fraud alerts in this process. Core decides who may watch (admins only: <see cref="Subscribe"/> is null for
/// anyone else). <see cref="Publish"/> only writes into bounded, drop-oldest buffers and returns: each subscriber is fed on
/// its own loop, and the on-call email is sent by <see cref="FraudAlertMailer"/> in the background, so a slow screen or a
/// slow mail transport never holds up the payment request that raised the alert. With several portal instances each sees
/// the alerts of its own requests only (as <see cref="PaymentFeed"/>).
/// </summary>
public sealed class FraudAlertHub(ILogger<FraudAlertHub>? logger = null)
{
    public const int RecentLimit = 20;
    private const int BufferSize = 64;

    private readonly ILogger _logger = logger ?? NullLogger<FraudAlertHub>.Instance;
    private readonly Lock _lock = new();
    private readonly LinkedList<FraudAlert> _recent = new();
    private Subscription[] _subscriptions = [];

    /// <summary>Alerts waiting for the on-call email (read by <see cref="FraudAlertMailer"/>).</summary>
    internal Channel<FraudAlert> Mail { get; } = Channel.CreateBounded<FraudAlert>(new BoundedChannelOptions(1_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public int Count => Volatile.Read(ref _subscriptions).Length;

    /// <summary>The newest alerts first (at most <see cref="RecentLimit"/>), for an admin; empty for anyone else.</summary>
    public IReadOnlyList<FraudAlert> Recent(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            return [];
        }

        lock (_lock)
        {
            return [.. _recent];
        }
    }

    /// <summary>
    /// Calls <paramref name="onAlert"/> for every alert from now on, one at a time, never on the publisher's thread. Null
    /// when the actor may not see fraud alerts (only admins may). Dispose to stop.
    /// </summary>
    public IDisposable? Subscribe(Actor actor, Func<FraudAlert, Task> onAlert)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(onAlert);
        if (actor.Role != Roles.Admin)
        {
            return null;
        }

        var subscription = new Subscription(this, onAlert, _logger);
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    public void Publish(FraudAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_lock)
        {
            _recent.AddFirst(alert);
            if (_recent.Count > RecentLimit)
            {
                _recent.RemoveLast();
            }
        }

        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.Offer(alert);
        }

        Mail.Writer.TryWrite(alert);
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }

    private sealed class Subscription : IDisposable
    {
        private readonly FraudAlertHub _hub;
        private readonly Channel<FraudAlert> _buffer = Channel.CreateBounded<FraudAlert>(new BoundedChannelOptions(BufferSize)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

        public Subscription(FraudAlertHub hub, Func<FraudAlert, Task> onAlert, ILogger logger)
        {
            _hub = hub;
            _ = Task.Run(async () =>
            {
                await foreach (var alert in _buffer.Reader.ReadAllAsync())
                {
                    try
                    {
                        await onAlert(alert);
                    }
#pragma warning disable CA1031 // a viewer's failure is its own: other viewers and the publisher go on
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        logger.LogWarning(ex, "A fraud alert subscriber failed for {PaymentId}; skipped", alert.PaymentDisplayId);
                    }
                }
            });
        }

        public void Offer(FraudAlert alert) => _buffer.Writer.TryWrite(alert);

        public void Dispose()
        {
            if (_buffer.Writer.TryComplete())
            {
                _hub.Remove(this);
            }
        }
    }
}

/// <summary>Sends each alert as an email through the outbox to <see cref="FraudReviewOptions.OnCallEmail"/>, in the background.</summary>
public sealed class FraudAlertMailer(FraudAlertHub hub, IEmailOutbox outbox, IOptions<FraudReviewOptions> options, ILogger<FraudAlertMailer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alert in hub.Mail.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(alert, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The on-call email for {PaymentId} could not be written to the outbox", alert.PaymentDisplayId);
            }
        }
    }

    /// <summary>The email for one alert; nothing when no on-call address is configured.</summary>
    public async Task SendAsync(FraudAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.OnCallEmail))
        {
            return;
        }

        var link = string.IsNullOrWhiteSpace(o.PublicBaseUrl) ? alert.Link : o.PublicBaseUrl.TrimEnd('/') + alert.Link;
        var what = alert.Status == PaymentStatus.Blocked ? "blocked" : "held for review";
        var body = $"Payment {alert.PaymentDisplayId} of merchant {new MerchantId(alert.MerchantId)} was {what} by fraud scoring " +
                   $"(score {alert.Score}, amount {alert.Amount} {alert.Currency} in minor units) at {alert.At:yyyy-MM-dd HH:mm:ss} UTC.\n\n" +
                   (alert.CaseId is null ? "Open the payment: " : "Open the case: ") + link;
        await outbox.SendAsync(o.OnCallEmail, "Fraud alert: " + alert.Title, body, link, cancellationToken);
    }
}
