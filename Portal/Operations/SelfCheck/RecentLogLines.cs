namespace Portal.Operations.SelfCheck;

/// <summary>
/// The last log lines, in memory only, for the card-number scan: the portal logs to the console (collected by the
/// host), so there is no file of its own to read. A logger provider beside the others; it sees what they write.
/// </summary>
public sealed class RecentLogLines : ILoggerProvider
{
    /// <summary>More than <see cref="SelfCheckOptions.LogLinesScanned"/> can ask for is not kept.</summary>
    public const int Capacity = 10_000; // a few MB at most: the scan needs recent lines, not a history

    private readonly Queue<RecentLogLine> _lines = new();

    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Add(string category, string message)
    {
        lock (_lock)
        {
            if (_lines.Count == Capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(new RecentLogLine(category, message));
        }
    }

    public IReadOnlyList<RecentLogLine> Last(int count)
    {
        lock (_lock)
        {
            return _lines.Skip(Math.Max(0, _lines.Count - count)).ToList();
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(RecentLogLines owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Only what reaches a sink at the configured level is scanned: the provider's filters apply before this.
            var message = formatter(state, exception);
            owner.Add(category, exception is null ? message : $"{message} {exception.Message}");
        }
    }
}

public sealed record RecentLogLine(string Category, string Message);
