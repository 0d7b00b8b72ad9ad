using Microsoft.Data.Sqlite;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Disputes;

namespace Portal.Tests.Contract;

public sealed class SqliteDisputeStoreTests : DisputeStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-dispute-contract", Guid.NewGuid().ToString("N"));

    protected override Task<IDisputeStore> CreateStoreAsync() =>
        Task.FromResult<IDisputeStore>(new SqliteDisputeStore(new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"), EmbeddedSchemas.Portal)));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
