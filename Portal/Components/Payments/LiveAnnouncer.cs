namespace Portal.Components.Payments;

/// <summary>
/// What the live payments grid says to a screen reader: one polite sentence, "N new payments", at most once per
/// <see cref="Every"/>. New payments arriving in between are added up and said together when the interval ends, so a
/// burst of hundreds of payments is one announcement, not hundreds (issue 25).
/// </summary>
internal sealed class LiveAnnouncer(TimeProvider clock, Action changed) : IDisposable
{
    /// <summary>The shortest gap between two announcements.</summary>
    internal static readonly TimeSpan Every = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private ITimer? _timer;
    private DateTimeOffset? _lastAt;
    private int _pending;
    private int _sequence;
    private bool _disposed;

    /// <summary>The sentence in the live region now (empty before the first announcement).</summary>
    public string Text { get; private set; } = "";

    /// <summary>How many announcements were made: a test reads it to prove a burst is one.</summary>
    public int Announcements => _sequence;

    /// <summary>Counts <paramref name="newPayments"/>; announces now if the last announcement is old enough, else later.</summary>
    public void Add(int newPayments)
    {
        if (newPayments <= 0)
        {
            return;
        }

        var announceNow = false;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _pending += newPayments;
            var now = clock.GetUtcNow();
            if (_lastAt is not { } last || now - last >= Every)
            {
                Flush(now);
                announceNow = true;
            }
            else
            {
                _timer ??= clock.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _timer.Change(last + Every - now, Timeout.InfiniteTimeSpan);
            }
        }

        if (announceNow)
        {
            changed();
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed || _pending == 0)
            {
                return;
            }

            Flush(clock.GetUtcNow());
        }

        changed();
    }

    private void Flush(DateTimeOffset now)
    {
        Text = _pending == 1 ? "1 new payment" : $"{_pending.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} new payments";
        _pending = 0;
        _lastAt = now;
        _sequence++;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }
}
