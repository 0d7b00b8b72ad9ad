using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

public sealed class SqlitePaymentStoreTests : PaymentStoreContract, IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-payment-contract", Guid.NewGuid().ToString("N"));
    private readonly List<SqlitePaymentStore> _stores = [];

    protected override Task<IPaymentStore> CreateStoreAsync(TimeProvider time)
    {
        var store = new SqlitePaymentStore(new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"), EmbeddedSchemas.Payments), time, NullLogger<SqlitePaymentStore>.Instance);
        _stores.Add(store);
        return Task.FromResult<IPaymentStore>(store);
    }

    [Fact]
    public async Task Acknowledged_writes_survive_reopening_the_file()
    {
        var path = Path.Combine(_folder, "reopen.db");
        var store = new SqlitePaymentStore(new SqliteDatabase(path, EmbeddedSchemas.Payments), TimeProvider.System, NullLogger<SqlitePaymentStore>.Instance);
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        await WriteOkAsync(store, Initiate(payment));
        await store.DisposeAsync();
        SqliteConnection.ClearAllPools();

        var reopened = new SqlitePaymentStore(new SqliteDatabase(path, EmbeddedSchemas.Payments), TimeProvider.System, NullLogger<SqlitePaymentStore>.Instance);
        _stores.Add(reopened);
        ShouldMatch(await reopened.GetAsync(payment.Id, Ct), payment);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
