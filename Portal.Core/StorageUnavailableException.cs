namespace Portal.Core;

/// <summary>
/// The one storage failure that screens and endpoints catch: a store could not be reached or answered in time
/// (SQLite locked or I/O failing, DynamoDB throttled or unreachable). Adapters translate their engine's exceptions
/// into this type, so nothing above the ports knows which engine runs underneath.
/// </summary>
public sealed class StorageUnavailableException(string store, Exception? inner = null)
    : Exception($"The {store} store is unavailable right now.", inner)
{
    public string Store { get; } = store;
}

/// <summary>
/// A bounded write queue is full: the caller should come back later (the API answers 503 with Retry-After).
/// </summary>
public sealed class StorageBusyException(string store, TimeSpan retryAfter)
    : Exception($"The {store} store is busy; retry after {retryAfter.TotalSeconds:0} s.")
{
    public string Store { get; } = store;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
