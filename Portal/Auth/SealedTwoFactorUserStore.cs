using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Security;

namespace Portal.Auth;

/// <summary>
/// The EF user store, except that the authenticator (TOTP) key and the recovery codes are sealed with the key ring
/// before they reach <c>AspNetUserTokens</c>: a copy of identity.db alone yields no second factor. Identity reads and
/// writes both through <see cref="GetTokenAsync"/> and <see cref="SetTokenAsync"/> (authenticator key, recovery-code
/// count, redeem, replace), so sealing there covers them all; every other token is stored as the framework stores it.
/// A value stored before sealing existed is still read (and sealed at start-up by <see cref="SealLegacyValuesAsync"/>).
/// </summary>
internal sealed class SealedTwoFactorUserStore(PortalIdentityDbContext context, TwoFactorSecretSealer sealer, IdentityErrorDescriber? describer = null)
    : UserStore<PortalUser, IdentityRole, PortalIdentityDbContext>(context, describer)
{
    public override async Task<string?> GetTokenAsync(PortalUser user, string loginProvider, string name, CancellationToken cancellationToken)
    {
        var value = await base.GetTokenAsync(user, loginProvider, name, cancellationToken);
        return value is not null && TwoFactorSecretSealer.IsSealedKind(loginProvider, name) ? sealer.Unseal(user.Id, name, value) : value;
    }

    public override Task SetTokenAsync(PortalUser user, string loginProvider, string name, string? value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var stored = value is not null && TwoFactorSecretSealer.IsSealedKind(loginProvider, name) ? sealer.Seal(user.Id, name, value) : value;
        return base.SetTokenAsync(user, loginProvider, name, stored, cancellationToken);
    }

    /// <summary>Seals authenticator keys and recovery codes written in plaintext by an earlier version.</summary>
    public static async Task<int> SealLegacyValuesAsync(PortalIdentityDbContext db, TwoFactorSecretSealer sealer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(sealer);
        var legacy = await db.UserTokens
            .Where(t => t.LoginProvider == TwoFactorSecretSealer.IdentityStoreProvider
                && (t.Name == TwoFactorSecretSealer.AuthenticatorKeyName || t.Name == TwoFactorSecretSealer.RecoveryCodesName)
                && t.Value != null && !t.Value.StartsWith(TwoFactorSecretSealer.Prefix))
            .ToListAsync(cancellationToken);
        foreach (var token in legacy)
        {
            token.Value = sealer.Seal(token.UserId, token.Name, token.Value!);
        }

        await db.SaveChangesAsync(cancellationToken);
        return legacy.Count;
    }
}

/// <summary>
/// AES-256-GCM with a key-ring key of its own purpose. The user id and token name are the associated data, so a sealed
/// value copied to another user's row, or from the codes into the key, fails to open instead of signing someone in.
/// </summary>
internal sealed class TwoFactorSecretSealer(IKeyRing keyRing)
{
    /// <summary>The login provider and token names under which Identity's stock user store keeps the second factor.</summary>
    public const string IdentityStoreProvider = "[AspNetUserStore]";
    public const string AuthenticatorKeyName = "AuthenticatorKey";
    public const string RecoveryCodesName = "RecoveryCodes";

    /// <summary>Marks a sealed value; a base32 key and ';'-joined recovery codes never start with it.</summary>
    public const string Prefix = "sealed.v1.";

    private readonly byte[] _key = keyRing.DeriveKey("identity-two-factor-secrets");

    public static bool IsSealedKind(string loginProvider, string name) =>
        loginProvider == IdentityStoreProvider && (name == AuthenticatorKeyName || name == RecoveryCodesName);

    public string Seal(string userId, string name, string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[12 + 16 + data.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, 16))
        {
            aes.Encrypt(nonce, data, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), AssociatedData(userId, name));
        }

        CryptographicOperations.ZeroMemory(data);
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The plaintext; a value without the prefix was stored before sealing and is returned as it is.</summary>
    public string Unseal(string userId, string name, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        var sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        if (sealedBytes.Length < 28)
        {
            throw new CryptographicException("A sealed two-factor secret is malformed.");
        }

        var plaintext = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plaintext, AssociatedData(userId, name));
        return Encoding.UTF8.GetString(plaintext);
    }

    private static byte[] AssociatedData(string userId, string name) => Encoding.UTF8.GetBytes($"{userId}\u001f{name}");
}
