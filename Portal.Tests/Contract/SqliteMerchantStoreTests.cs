using Microsoft.Data.Sqlite;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Merchants;

namespace Portal.Tests.Contract;

public sealed class SqliteMerchantStoreTests : MerchantStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-merchant-contract", Guid.NewGuid().ToString("N"));

    protected override Task<IMerchantStore> CreateStoreAsync() =>
        Task.FromResult<IMerchantStore>(new SqliteMerchantStore(new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"))));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
