namespace Portal.Tests.Infrastructure;

/// <summary>
/// Tests that compare a data folder byte for byte ("refused, nothing changed on disk") run alone: other tests call
/// <c>SqliteConnection.ClearAllPools</c>, which closes pooled connections process-wide, and the last connection to a file
/// checkpoints its WAL. That changes the files of a portal that did not write anything, and the comparison would fail
/// by chance.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataFolderSnapshots
{
    public const string Name = "Data folder snapshots";
}
