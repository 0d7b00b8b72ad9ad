using System.Collections.Concurrent;

namespace Portal.Auth;

/// <summary>
/// Remembers what a per-request credential check looked up (a user's security stamp, a merchant's status) for at most
/// <see cref="MaxAge"/>, so checking every request is not a database read per request, and a change made elsewhere
/// (another portal instance, a direct edit) is honoured within that time. A change made here calls <see cref="Forget"/>.
/// </summary>
internal sealed class RecheckCache<TValue>(TimeProvider clock, TimeSpan maxAge)
{
    /// <summary>Beyond this many remembered entries the expired ones are dropped (and all of them if none has expired).</summary>
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, (TValue Value, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public TimeSpan MaxAge => maxAge;

    public async ValueTask<TValue> GetAsync(string key, Func<string, CancellationToken, Task<TValue>> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        // The clock is read before the lookup, so a remembered value is never older than maxAge.
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(key, out var entry) && entry.Until > now)
        {
            return entry.Value;
        }

        var value = await load(key, cancellationToken);
        if (_entries.Count >= Capacity)
        {
            Prune(now);
        }

        _entries[key] = (value, now + maxAge);
        return value;
    }

    public void Forget(string key) => _entries.TryRemove(key, out _);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Until <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }
    }
}
