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
