using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

public sealed class SqliteFraudStoreTests : FraudStoreContract, IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-fraud-contract", Guid.NewGuid().ToString("N"));
    private readonly List<SqlitePaymentStore> _payments = [];

    protected override Task<(IFraudListStore Lists, IFraudRuleStore Rules)> CreateStoresAsync()
    {
        var store = new SqliteFraudStore(new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"), EmbeddedSchemas.Portal));
        return Task.FromResult<(IFraudListStore, IFraudRuleStore)>((store, store));
    }

    protected override Task<(IPaymentStore Payments, IPaymentHistory History)> CreatePaymentsAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"), EmbeddedSchemas.Payments);
        var payments = new SqlitePaymentStore(db, new FakeTimeProvider(T0), NullLogger<SqlitePaymentStore>.Instance);
        _payments.Add(payments);
        return Task.FromResult<(IPaymentStore, IPaymentHistory)>((payments, new SqlitePaymentHistory(db)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _payments)
        {
            await p.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
