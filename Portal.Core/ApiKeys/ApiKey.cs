namespace Portal.Core.ApiKeys;

/// <summary>A merchant API key as stored: never the secret, only its SHA-256 and a display prefix.</summary>
public sealed record ApiKey(
    Guid Id,
    Guid MerchantId,
    string Name,
    string Prefix,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    public string DisplayId => "key_" + Id.ToString("N")[..12];

    public bool IsActive => RevokedAt is null;
}

/// <summary>Returned once, at creation: the only time the secret exists outside the caller's hands.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>What a valid key authenticates as.</summary>
public sealed record ApiKeyIdentity(Guid KeyId, Guid MerchantId, string CreatedBy);
