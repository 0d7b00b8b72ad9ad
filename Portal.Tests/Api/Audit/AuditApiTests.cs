using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Audit;

/// <summary>Verification over the API and the scheduled verifier, the alert they raise, and the cap on outsider-caused events.</summary>
public sealed class AuditApiTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Audit:ThrottledEventsPerMinutePerSource", "5");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Editing_one_stored_event_is_named_by_verification_and_raises_the_alert()
    {
        using var client = _factory.ClientWithBearer(await _factory.StaffTokenAsync(PortalRoles.Compliance));
        var monitor = _factory.Services.GetRequiredService<AuditIntegrityMonitor>();
        (await (await client.PostAsync("/api/v1/audit/verify", null, Ct)).JsonAsync()).GetProperty("is_intact").GetBoolean().ShouldBeTrue();
        monitor.Alert.ShouldBeNull();
        var victim = (await _factory.Services.GetRequiredService<AuditService>().QueryAsync(new AuditQuery(Action: AuditActions.TokenIssued, Limit: 1), Ct)).Events[0];

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_factory.DataPath, "audit.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE audit_events SET source_ip = '192.0.2.1' WHERE sequence = {victim.Sequence}";
            (await command.ExecuteNonQueryAsync(Ct)).ShouldBe(1);
        }

        var result = await (await client.PostAsync("/api/v1/audit/verify", null, Ct)).JsonAsync();
        result.GetProperty("is_intact").GetBoolean().ShouldBeFalse();
        result.GetProperty("first_broken_sequence").GetInt64().ShouldBe(victim.Sequence);
        result.GetProperty("problem").GetString()!.ShouldContain($"Event {victim.Sequence} was changed");
        monitor.Alert.ShouldNotBeNull().FirstBrokenSequence.ShouldBe(victim.Sequence);

        var scheduled = await _factory.Services.GetRequiredService<ScheduledAuditVerification>().RunOnceAsync(Ct);
        scheduled.FirstBrokenSequence.ShouldBe(victim.Sequence);
        (await _factory.Services.GetRequiredService<AuditService>().QueryAsync(new AuditQuery(Action: AuditActions.AuditVerifyFailed, Limit: 5), Ct))
            .Events.ShouldContain(e => e.ActorRole == "System" && e.Detail!.Contains($"event={victim.Sequence}"));
    }

    [Fact]
    public async Task Failed_api_key_authentications_are_recorded_but_capped_per_source()
    {
        var audit = _factory.Services.GetRequiredService<AuditService>();
        using var client = _factory.ClientWithBearer("sk_test_" + new string('B', 32));

        for (var i = 0; i < 12; i++)
        {
            using var response = await client.GetAsync("/api/v1/me", Ct);
            ((int)response.StatusCode).ShouldBe(401);
        }

        var failures = (await audit.QueryAsync(new AuditQuery(Action: AuditActions.AuthFailed, Limit: 100), Ct)).Events;
        failures.Count.ShouldBe(5);
        failures.ShouldAllBe(e => e.Detail!.StartsWith("api_key not accepted: GET /api/v1/me") && !e.Detail.Contains("BBBB"));
    }

    [Fact]
    public async Task A_403_and_a_foreign_payment_id_are_recorded()
    {
        var audit = _factory.Services.GetRequiredService<AuditService>();
        using var compliance = _factory.ClientWithBearer(await _factory.StaffTokenAsync(PortalRoles.Compliance));
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var merchant = _factory.ClientWithBearer(key);

        using var refused = await compliance.GetAsync("/api/v1/webhook_endpoints", Ct);
        using var foreign = await merchant.GetAsync("/api/v1/payments/pay_0190a2b3c4d5e6f708192a3b4c5d6e7f", Ct);

        ((int)refused.StatusCode).ShouldBe(403);
        ((int)foreign.StatusCode).ShouldBe(404);
        (await audit.QueryAsync(new AuditQuery(Action: AuditActions.AccessDenied, Limit: 5), Ct)).Events
            .ShouldContain(e => e.ActorRole == PortalRoles.Compliance && e.Detail == "GET /api/v1/webhook_endpoints");
        (await audit.QueryAsync(new AuditQuery(Action: AuditActions.NotFoundForeign, Limit: 5), Ct)).Events
            .ShouldContain(e => e.Target == "pay_0190a2b3c4d5e6f708192a3b4c5d6e7f" && e.ActorRole == PortalRoles.Merchant);
    }
}
