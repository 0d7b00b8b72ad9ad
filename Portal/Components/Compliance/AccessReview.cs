using Microsoft.AspNetCore.Identity;
using Portal.Auth;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;

namespace Portal.Components.Compliance;

/// <summary>One account in the access review: roles, second factor, lock-out, last sign-in, and its merchant's API keys with their last use.</summary>
public sealed record AccessReviewRow(string UserId, string? Email, IReadOnlyList<string> Roles, bool MfaEnabled, bool LockedOut, DateTimeOffset? LastSignIn,
    IReadOnlyList<ApiKeyUse> ApiKeys);

public sealed record ApiKeyUse(string KeyId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool Active);

/// <summary>The access review report (PCI DSS 7.2.4): every account, read from Identity, the API key store and the audit log.</summary>
public sealed class AccessReview(UserManager<PortalUser> users, IApiKeyStore keys, AuditService audit, TimeProvider clock)
{
    public const int MaxAccounts = 2000;

    public async Task<IReadOnlyList<AccessReviewRow>> RowsAsync(CancellationToken cancellationToken = default)
    {
        var rows = new List<AccessReviewRow>();
        var accounts = users.Users.OrderBy(u => u.Email).Take(MaxAccounts).ToList();
        foreach (var user in accounts)
        {
            var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
            var claims = await users.GetClaimsAsync(user);
            var keyUses = new List<ApiKeyUse>();
            if (claims.FirstOrDefault(c => c.Type == PortalPolicies.MerchantIdClaim) is { } claim && Guid.TryParse(claim.Value, out var merchantId))
            {
                keyUses.AddRange((await keys.ListAsync(merchantId, cancellationToken)).Select(k => new ApiKeyUse(k.DisplayId, k.Name, k.CreatedAt, k.LastUsedAt, k.IsActive)));
            }

            var signIns = await audit.QueryAsync(new AuditQuery(Limit: 1, Action: AuditActions.SignIn, ActorId: user.Id, Outcome: AuditOutcome.Success, CountTotal: false), cancellationToken);
            rows.Add(new AccessReviewRow(user.Id, user.Email, roles, user.TwoFactorEnabled, user.LockoutEnd is { } end && end > clock.GetUtcNow(),
                signIns.Events.Count > 0 ? signIns.Events[0].OccurredAt : null, keyUses));
        }

        return rows;
    }
}
