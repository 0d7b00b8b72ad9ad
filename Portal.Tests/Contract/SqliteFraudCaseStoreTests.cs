using Microsoft.Data.Sqlite;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Fraud.Review;

namespace Portal.Tests.Contract;

public sealed class SqliteFraudCaseStoreTests : FraudCaseStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-fraud-case-contract", Guid.NewGuid().ToString("N"));

    protected override Task<IFraudCaseStore> CreateStoreAsync() =>
        Task.FromResult<IFraudCaseStore>(new SqliteFraudCaseStore(new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"), EmbeddedSchemas.Portal)));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
