using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Security;
using Portal.Core.Webhooks;
using Portal.Operations.SelfCheck;
using Portal.Tests.Infrastructure;
using Portal.Tests.Unit.Webhooks;

namespace Portal.Tests.Unit.Operations;

/// <summary>Each item of the readiness self-check: it passes on a sound setting, and fails (or warns) once the setting is broken.</summary>
public sealed class SelfCheckTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);

    private readonly SelfCheckOptions _options = new();

    private readonly EmbeddedTestBed _bed = new("self-check-tests");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StaticOptionsMonitor<SelfCheckOptions> Options => new(_options);

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    [Fact]
    public async Task Key_round_trip_passes_on_the_local_key_ring_and_fails_when_unwrapping_gives_other_bytes()
    {
        (await new KeyRoundTripCheck(_bed.Keys).RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Pass);

        var broken = await new KeyRoundTripCheck(new ForgetfulKeyRing(_bed.Keys)).RunAsync(Ct);
        broken.Status.ShouldBe(SelfCheckStatus.Fail);
        broken.Action.ShouldContain("Portal:KeyPath");
    }

    [Fact]
    public async Task Storage_durability_passes_on_a_real_file_and_fails_once_its_journal_is_no_longer_wal()
    {
        var database = _bed.Database("portal.db");
        var probe = new SingleStoreProbe(database);
        var sound = await new StorageDurabilityCheck(probe).RunAsync(Ct);
        sound.Status.ShouldBe(SelfCheckStatus.Pass, sound.Finding);

        database.CloseIdleConnections();
        await using (var raw = new SqliteConnection($"Data Source={database.Path};Pooling=False"))
        {
            await raw.OpenAsync(Ct);
            await using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=DELETE";
            (await command.ExecuteScalarAsync(Ct)).ShouldBe("delete");
        }

        var broken = await new StorageDurabilityCheck(probe).RunAsync(Ct);
        broken.Status.ShouldBe(SelfCheckStatus.Fail);
        broken.Finding.ShouldContain("journal_mode=delete");
    }

    [Theory]
    [InlineData(true, "wal", "normal", "synchronous=normal")]
    [InlineData(false, "wal", "full", "not writable")]
    public async Task Storage_durability_fails_on_a_weaker_sync_or_a_store_that_refuses_writes(bool writable, string journal, string synchronous, string named)
    {
        var probe = new FixedProbe(new StoreDurability("payments", writable, journal, synchronous, writable ? null : "attempt to write a readonly database"));

        var result = await new StorageDurabilityCheck(probe).RunAsync(Ct);

        result.Status.ShouldBe(SelfCheckStatus.Fail);
        result.Finding.ShouldContain(named);
    }

    [Fact]
    public async Task Staff_mfa_passes_when_required_and_fails_when_switched_off()
    {
        (await new StaffMfaCheck(new StaticOptionsMonitor<PortalAuthOptions>(new PortalAuthOptions())).RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Pass);

        var off = await new StaffMfaCheck(new StaticOptionsMonitor<PortalAuthOptions>(new PortalAuthOptions { RequireStaffMfa = false })).RunAsync(Ct);
        off.Status.ShouldBe(SelfCheckStatus.Fail);
        off.Action.ShouldContain("Auth:RequireStaffMfa");
    }

    [Fact]
    public async Task Tls_certificate_is_not_applicable_without_one_passes_when_far_from_expiry_and_fails_within_30_days()
    {
        (await TlsCheck(new Dictionary<string, string?>()).RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.NotApplicable);

        var healthy = await TlsCheck(new() { ["Kestrel:Certificates:Default:Path"] = Certificate("healthy.crt", TimeSpan.FromDays(90)) }).RunAsync(Ct);
        healthy.Status.ShouldBe(SelfCheckStatus.Pass, healthy.Finding);

        var expiring = await TlsCheck(new() { ["Kestrel:Endpoints:Https:Certificate:Path"] = Certificate("expiring.crt", TimeSpan.FromDays(10)) }).RunAsync(Ct);
        expiring.Status.ShouldBe(SelfCheckStatus.Fail);
        expiring.Finding.ShouldContain("expiring.crt");
    }

    [Fact]
    public async Task Tls_certificate_that_cannot_be_read_fails()
    {
        var path = _bed.PathOf("garbage.crt");
        await File.WriteAllTextAsync(path, "not a certificate", Ct);

        (await TlsCheck(new() { ["Kestrel:Certificates:Default:Path"] = path }).RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Fail);
    }

    [Fact]
    public async Task Clock_skew_warns_without_a_reference_passes_within_the_limit_and_fails_beyond_it()
    {
        var handler = new DateHandler();
        var check = new ClockSkewCheck(new HandlerClientFactory(handler), Options, _clock);
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Warn);

        _options.ClockReferenceUrl = new Uri("https://time.example.com/");
        handler.Date = Now.AddSeconds(-2);
        var close = await check.RunAsync(Ct);
        close.Status.ShouldBe(SelfCheckStatus.Pass, close.Finding);
        handler.Requests.ShouldBe(1);

        handler.Date = Now.AddMinutes(-3);
        var skewed = await check.RunAsync(Ct);
        skewed.Status.ShouldBe(SelfCheckStatus.Fail);
        skewed.Finding.ShouldContain("180 s ahead of time.example.com");
    }

    [Fact]
    public async Task Log_scan_passes_on_clean_lines_and_fails_on_a_card_number_without_repeating_it()
    {
        var lines = new RecentLogLines();
        var logger = lines.CreateLogger("Portal.Payments");
        logger.LogInformation("Payment {Id} succeeded for order 12345", "pay_0190a2b3c4d5e6f708192a3b4c5d6e7f");
        var check = new LogCardNumberCheck(lines, Options);
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Pass);

        logger.LogWarning("Declined card {Card}", "4111 1111 1111 1111");
        var found = await check.RunAsync(Ct);

        found.Status.ShouldBe(SelfCheckStatus.Fail);
        found.Finding.ShouldContain("Portal.Payments");
        found.Finding.ShouldNotContain("4111");
    }

    [Fact]
    public async Task Log_scan_reads_only_the_last_n_lines()
    {
        var lines = new RecentLogLines();
        lines.Add("Portal.Old", "card 4111111111111111");
        for (var i = 0; i < 10; i++)
        {
            lines.Add("Portal.New", $"line {i}");
        }

        _options.LogLinesScanned = 10;
        (await new LogCardNumberCheck(lines, Options).RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Pass);
        _options.LogLinesScanned = 11;
        (await new LogCardNumberCheck(lines, Options).RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Fail);
    }

    [Fact]
    public async Task Webhook_backlog_passes_when_empty_warns_after_an_hour_and_fails_after_a_day()
    {
        var store = new SqliteWebhookStore(_bed.Database("portal.db"));
        var check = new WebhookBacklogCheck(store, Options, _clock);
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Pass);
        var endpoint = new WebhookEndpoint(Guid.CreateVersion7(), Guid.CreateVersion7(), "https://hooks.example.com", null, ["*"], true, Now, Now);
        await store.AddEndpointAsync(endpoint, new byte[32], Ct);

        await store.AddDeliveriesAsync([Delivery(endpoint, Now.AddHours(-2))], Ct);
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Warn);

        await store.AddDeliveriesAsync([Delivery(endpoint, Now.AddHours(-30))], Ct);
        var stale = await check.RunAsync(Ct);
        stale.Status.ShouldBe(SelfCheckStatus.Fail);
        stale.Finding.ShouldContain("30 h");
    }

    [Fact]
    public async Task Audit_chain_warns_before_any_verification_passes_when_recent_and_fails_when_broken()
    {
        var monitor = new AuditIntegrityMonitor(NullLogger<AuditIntegrityMonitor>.Instance);
        var check = new AuditChainCheck(monitor, new StaticOptionsMonitor<AuditOptions>(new AuditOptions()), _clock);
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Warn);

        monitor.Report(new AuditVerification(true, 40, null, null, Now.AddMinutes(-10)));
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Pass);

        _clock.Advance(TimeSpan.FromHours(3));
        (await check.RunAsync(Ct)).Status.ShouldBe(SelfCheckStatus.Warn);

        monitor.Report(new AuditVerification(false, 40, 17, "Event 17 was changed.", _clock.GetUtcNow()));
        var broken = await check.RunAsync(Ct);
        broken.Status.ShouldBe(SelfCheckStatus.Fail);
        broken.Finding.ShouldContain("event 17");
    }

    [Fact]
    public async Task Runner_turns_an_item_that_throws_into_that_items_failure_and_raises_the_alert()
    {
        var monitor = new SelfCheckMonitor(NullLogger<SelfCheckMonitor>.Instance);
        var raised = 0;
        monitor.Changed += () => raised++;
        var runner = new SelfCheckRunner([new StaffMfaCheck(new StaticOptionsMonitor<PortalAuthOptions>(new PortalAuthOptions())), new ThrowingCheck()],
            monitor, _clock, NullLogger<SelfCheckRunner>.Instance);

        var report = await runner.RunAsync(Ct);

        report.Items.Select(i => i.Status).ShouldBe([SelfCheckStatus.Pass, SelfCheckStatus.Fail]);
        monitor.Failures.ShouldHaveSingleItem().Id.ShouldBe("throws");
        raised.ShouldBe(1);
    }

    private TlsCertificateCheck TlsCheck(Dictionary<string, string?> settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), Options, _clock);

    private string Certificate(string name, TimeSpan validFor)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=portal.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(Now.AddDays(-1), Now + validFor);
        var path = _bed.PathOf(name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Cert));
        return path;
    }

    private static WebhookDelivery Delivery(WebhookEndpoint endpoint, DateTimeOffset created) =>
        new(Guid.CreateVersion7(), endpoint.MerchantId, endpoint.Id, Guid.CreateVersion7(), "payment.succeeded", "{}",
            WebhookDeliveryStatus.Pending, 3, created.AddMinutes(5), null, null, null, created);

    private sealed class ForgetfulKeyRing(IKeyRing inner) : IKeyRing
    {
        public byte[] DeriveKey(string purpose) => inner.DeriveKey(purpose);

        public Task<DataKey> GenerateDataKeyAsync(string context, CancellationToken cancellationToken = default) => inner.GenerateDataKeyAsync(context, cancellationToken);

        public Task<byte[]> UnwrapDataKeyAsync(byte[] wrapped, string context, CancellationToken cancellationToken = default) => Task.FromResult(new byte[32]);
    }

    private sealed class SingleStoreProbe(SqliteDatabase database) : IStorageDurabilityProbe
    {
        public async Task<IReadOnlyList<StoreDurability>> InspectAsync(CancellationToken cancellationToken) =>
            [await EmbeddedDurabilityProbe.InspectAsync("portal", database, cancellationToken)];
    }

    private sealed class FixedProbe(params StoreDurability[] stores) : IStorageDurabilityProbe
    {
        public Task<IReadOnlyList<StoreDurability>> InspectAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoreDurability>>(stores);
    }

    private sealed class DateHandler : HttpMessageHandler
    {
        public DateTimeOffset Date { get; set; }

        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            var response = new HttpResponseMessage(HttpStatusCode.OK);
            response.Headers.Date = Date;
            return Task.FromResult(response);
        }
    }

    private sealed class ThrowingCheck : ISelfCheck
    {
        public string Id => "throws";

        public string Title => "Throws";

        public Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("boom");
    }
}
