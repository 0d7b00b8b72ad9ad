namespace Portal.Core;

/// <summary>
/// Who is acting: passed explicitly to every use case so that authorisation (tenant scope) and the audit trail
/// never depend on ambient state. <see cref="MerchantId"/> is set for merchant users and merchant API keys only.
/// </summary>
public sealed record Actor(string? UserId, string? Name, string? Role, Guid? MerchantId, string? SourceIp)
{
    public static readonly Actor Anonymous = new(null, null, null, null, null);

    public static Actor System { get; } = new("system", "system", "System", null, null);

    public bool IsMerchant => MerchantId is not null && Role == Roles.Merchant;

    public Actor WithSourceIp(string? ip) => this with { SourceIp = ip };
}
