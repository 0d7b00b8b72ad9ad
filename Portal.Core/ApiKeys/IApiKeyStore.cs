namespace Portal.Core.ApiKeys;

public interface IApiKeyStore
{
    Task AddAsync(ApiKey key, string secretHash, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListAsync(Guid merchantId, CancellationToken cancellationToken);

    /// <summary>The key with this secret hash, revoked or not; null when none.</summary>
    Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken);

    /// <summary>Revokes the merchant's key; false when no such key belongs to that merchant (another tenant's id looks unknown).</summary>
    Task<bool> RevokeAsync(Guid merchantId, Guid keyId, DateTimeOffset at, CancellationToken cancellationToken);

    Task TouchAsync(Guid keyId, DateTimeOffset at, CancellationToken cancellationToken);
}
