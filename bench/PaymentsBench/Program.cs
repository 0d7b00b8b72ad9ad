using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core;
using Portal.Core.Merchants;
using Portal.Core.Payments;

BenchmarkRunner.Run<PaymentsBench.PaymentPipeline>(args: args);

namespace PaymentsBench
{
    /// <summary>
    /// Issue 15's in-process figure: the payment pipeline without HTTP. <see cref="InitiatePayment"/> as the portal wires it
    /// (validation, the merchant's approval, idempotency, fraud scoring, the sandbox processor, the embedded SQLite store
    /// with its group-commit writer, synchronous=FULL), 32 payments in flight at once as wrk's 32 connections would send
    /// them; each a new idempotency key and customer. Reported per payment: time and bytes allocated.
    /// </summary>
    [MemoryDiagnoser]
    public class PaymentPipeline
    {
        private const int InFlight = 32;
        private IHost _host = null!;
        private InitiatePayment _initiate = null!;
        private Actor _merchant = null!;
        private string _data = null!;
        private long _next;

        [GlobalSetup]
        public void Setup()
        {
            _data = Path.Combine(Path.GetTempPath(), "payments-bench-" + Guid.NewGuid().ToString("N"));
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Benchmark", ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Portal:DataPath"] = _data });
            builder.Logging.ClearProviders();
            builder.Services.AddPortalCore();
            builder.Services.AddEmbeddedStorage();
            _host = builder.Build();
            _ = _host.Services.GetRequiredService<Portal.Core.Security.IKeyRing>(); // the key ring first, as the portal's start-up does
            _initiate = _host.Services.GetRequiredService<InitiatePayment>();
            _merchant = ApproveMerchantAsync(_host.Services).GetAwaiter().GetResult();
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _host.Dispose();
            Directory.Delete(_data, recursive: true);
        }

        [Benchmark(OperationsPerInvoke = InFlight)]
        public async Task Initiate()
        {
            var inFlight = new Task[InFlight];
            for (var i = 0; i < InFlight; i++)
            {
                inFlight[i] = InitiateOneAsync(Interlocked.Increment(ref _next));
            }

            await Task.WhenAll(inFlight);
        }

        private async Task InitiateOneAsync(long n)
        {
            var request = new PaymentRequest(2_500, "usd", "cus_" + n, "pm_card_visa", OrderId: "ord_" + n);
            var result = await _initiate.InitiateAsync(_merchant, request, "idem-" + n);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(result.Error?.Message);
            }
        }

        /// <summary>Registers a merchant and records it as approved, as the demo seeding does.</summary>
        private static async Task<Actor> ApproveMerchantAsync(IServiceProvider services)
        {
            var merchant = new Actor("bench-user", "owner@bench.example", Roles.Merchant, Guid.CreateVersion7(), null);
            var registered = await services.GetRequiredService<MerchantService>()
                .RegisterAsync(merchant, new RegisterMerchantRequest("Bench Shop Ltd", "123456", "owner@bench.example"));
            if (!registered.Succeeded)
            {
                throw new InvalidOperationException(registered.Error?.Message);
            }

            var store = services.GetRequiredService<IMerchantStore>();
            var record = (await store.GetAsync(merchant.MerchantId!.Value, CancellationToken.None))!;
            var now = TimeProvider.System.GetUtcNow();
            var outcome = await store.UpdateAsync(record with { Status = MerchantStatus.Approved, UpdatedAt = now, Version = record.Version + 1 }, record.Version,
                new MerchantHistoryEntry(record.Id, now, "system", "System", "approved (bench)", MerchantStatus.Approved, null), CancellationToken.None);
            return outcome == MerchantWriteOutcome.Done ? merchant : throw new InvalidOperationException($"approval: {outcome}");
        }
    }
}
