namespace Portal.Core.Audit;

/// <summary>
/// The tamper-evident audit trail (PCI DSS Req. 10). <see cref="AppendAsync"/> returns only once the event is durable.
/// </summary>
public interface IAuditLog
{
    Task<AuditEvent> AppendAsync(Actor actor, AuditEntry entry, CancellationToken cancellationToken = default);

    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Recomputes every hash and checks the chain against its signed head: any changed, inserted or removed event is reported.</summary>
    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default);

    /// <summary>How many events of each action were written in [from, to).</summary>
    Task<IReadOnlyDictionary<string, long>> CountByActionAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}
