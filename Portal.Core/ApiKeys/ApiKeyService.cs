using System.Security.Cryptography;
using System.Text;
using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Core.ApiKeys;

/// <summary>Merchant API keys: create (shown once), list, revoke, and authenticate a presented key.</summary>
public sealed class ApiKeyService(IApiKeyStore store, AuditService audit, TimeProvider clock)
{
    public const string SecretPrefix = "sk_test_";
    public const int MaxActiveKeys = 20;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly System.Buffers.SearchValues<char> AlphabetValues = System.Buffers.SearchValues.Create(Alphabet);

    /// <summary>Last-used time is written at most this often per key, so a busy key does not become a write per request.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Valid keys are remembered this long, so a busy integration is not a database read per request. A revocation here
    /// forgets them at once; another portal instance honours it within this time.
    /// </summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Until)> _recent = new(StringComparer.Ordinal);

    public async Task<ApiKeyResult<CreatedApiKey>> CreateAsync(Actor actor, string? name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.MerchantId is not { } merchantId || actor.UserId is null)
        {
            return ApiKeyResult<CreatedApiKey>.Fail("Only a merchant user can create API keys.");
        }

        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is < 1 or > 60)
        {
            return ApiKeyResult<CreatedApiKey>.Fail("Give the key a name of 1 to 60 characters.");
        }

        if (!CardNumberRules.IsClean(trimmed))
        {
            return ApiKeyResult<CreatedApiKey>.Fail("The key's name looks like a card number. Card numbers are never accepted or stored.");
        }

        var existing = await store.ListAsync(merchantId, cancellationToken);
        if (existing.Count(k => k.IsActive) >= MaxActiveKeys)
        {
            return ApiKeyResult<CreatedApiKey>.Fail($"A merchant can have at most {MaxActiveKeys} active keys; revoke one first.");
        }

        var secret = SecretPrefix + RandomNumberGenerator.GetString(Alphabet, 32);
        var now = clock.GetUtcNow();
        var key = new ApiKey(Guid.CreateVersion7(now), merchantId, trimmed, secret[..(SecretPrefix.Length + 4)], actor.UserId, now, null, null);
        await store.AddAsync(key, HashSecret(secret), cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.ApiKeyCreated, AuditOutcome.Success, key.DisplayId, $"name={trimmed}"), cancellationToken);
        return ApiKeyResult<CreatedApiKey>.Ok(new CreatedApiKey(key, secret));
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.MerchantId is { } merchantId ? await store.ListAsync(merchantId, cancellationToken) : [];
    }

    public async Task<ApiKeyResult<bool>> RevokeAsync(Actor actor, Guid keyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var revoked = actor.MerchantId is { } merchantId && await store.RevokeAsync(merchantId, keyId, clock.GetUtcNow(), cancellationToken);
        _recent.Clear();
        var target = "key_" + keyId.ToString("N")[..12];
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.ApiKeyRevoked, revoked ? AuditOutcome.Success : AuditOutcome.Failure, target), cancellationToken);
        return revoked ? ApiKeyResult<bool>.Ok(true) : ApiKeyResult<bool>.Fail("No such active key.");
    }

    /// <summary>The identity behind a presented secret, or null for unknown, malformed or revoked keys.</summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (!LooksLikeKey(presented))
        {
            return null;
        }

        var hash = HashSecret(presented);
        var now = clock.GetUtcNow();
        ApiKey? key;
        if (_recent.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            key = cached.Key;
        }
        else
        {
            key = await store.FindBySecretHashAsync(hash, cancellationToken);
            if (key is null || !key.IsActive)
            {
                return null;
            }

            _recent[hash] = (key, now + CacheFor);
        }

        if (key.LastUsedAt is null || now - key.LastUsedAt.Value >= LastUsedResolution)
        {
            await store.TouchAsync(key.Id, now, cancellationToken);
            _recent[hash] = (key with { LastUsedAt = now }, now + CacheFor);
        }

        return new ApiKeyIdentity(key.Id, key.MerchantId, key.CreatedBy);
    }

    public static bool LooksLikeKey(string? value) =>
        value is { Length: 40 } && value.StartsWith(SecretPrefix, StringComparison.Ordinal) && value.AsSpan(SecretPrefix.Length).IndexOfAnyExcept(AlphabetValues) < 0;

    // A 190-bit random secret needs no slow hash: SHA-256 is enough to make the stored value useless to a reader.
    internal static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

public sealed record ApiKeyResult<T>(bool Succeeded, T? Value, string? Error)
{
    public static ApiKeyResult<T> Ok(T value) => new(true, value, null);

    public static ApiKeyResult<T> Fail(string error) => new(false, default, error);
}
