namespace Portal.Core;

/// <summary>
/// Whether each store answers, for the readiness probe: one trivial read per store, never a scan or a count, so it costs
/// the same whatever the stores hold.
/// </summary>
public interface IStorageProbe
{
    /// <summary>Names of the stores that did not answer; empty when all did.</summary>
    Task<IReadOnlyList<string>> UnreachableAsync(CancellationToken cancellationToken);
}

/// <summary>
/// For the readiness self-check: whether each store takes a write lock now, and the durability settings in force on the
/// connections the portal writes with (read back from the engine, not from the code that sets them).
/// </summary>
public interface IStorageDurabilityProbe
{
    Task<IReadOnlyList<StoreDurability>> InspectAsync(CancellationToken cancellationToken);
}

/// <param name="Store">The store's name (audit, portal, payments).</param>
/// <param name="Writable">Whether a write transaction could start; <paramref name="Problem"/> says why not.</param>
/// <param name="JournalMode">As the engine reports it, lower case (wal, delete...).</param>
/// <param name="Synchronous">As the engine reports it: full, normal, off or extra.</param>
/// <param name="Problem">Why a write transaction could not start, when it could not.</param>
public sealed record StoreDurability(string Store, bool Writable, string JournalMode, string Synchronous, string? Problem = null);
