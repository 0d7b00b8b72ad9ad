using Microsoft.AspNetCore.Identity;
using Portal.Core;
using Portal.Core.ApiKeys;
using Portal.Core.Merchants;

namespace Portal.Auth;

/// <summary>
/// Outside Production the first demo merchant is an approved business with an API key, so payments can be tried at once
/// (the second demo merchant starts onboarding from scratch). Approval is written as a review would record it.
/// </summary>
public static class DemoMerchant
{
    public const string BusinessName = "Demo Shop Ltd";
    public const string CacNumber = "100001";

    /// <summary>Registers and approves the merchant if needed; returns a new API key's secret the first time, else null.</summary>
    public static async Task<string?> EnsureApprovedAsync(IServiceProvider services, PortalUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var users = services.GetRequiredService<UserManager<PortalUser>>();
        var claim = (await users.GetClaimsAsync(user)).FirstOrDefault(c => c.Type == PortalPolicies.MerchantIdClaim);
        if (claim is null || !Guid.TryParse(claim.Value, out var merchantId))
        {
            return null;
        }

        var actor = new Actor(user.Id, user.Email, PortalRoles.Merchant, merchantId, null);
        var store = services.GetRequiredService<IMerchantStore>();
        if (await store.GetAsync(merchantId, cancellationToken) is { Status: MerchantStatus.Approved })
        {
            return null;
        }

        await ApproveAsync(services, actor, BusinessName, CacNumber, cancellationToken);
        var key = await services.GetRequiredService<ApiKeyService>().CreateAsync(actor, "Demo key", cancellationToken);
        return key.Value?.Secret;
    }

    /// <summary>Registers the actor's merchant (if new) and records it as approved.</summary>
    public static async Task ApproveAsync(IServiceProvider services, Actor merchant, string businessName, string cacNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(merchant);
        var store = services.GetRequiredService<IMerchantStore>();
        var id = merchant.MerchantId!.Value;
        if (await store.GetAsync(id, cancellationToken) is null)
        {
            var registered = await services.GetRequiredService<MerchantService>()
                .RegisterAsync(merchant, new RegisterMerchantRequest(businessName, cacNumber, merchant.Name ?? "owner@shop.example"), cancellationToken);
            if (!registered.Succeeded)
            {
                throw new InvalidOperationException($"Could not register the demo merchant: {registered.Error.Message}");
            }
        }

        var record = (await store.GetAsync(id, cancellationToken))!;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var approved = record with { Status = MerchantStatus.Approved, StatusNote = null, UpdatedAt = now, Version = record.Version + 1 };
        var outcome = await store.UpdateAsync(approved, record.Version,
            new MerchantHistoryEntry(id, now, "system", "System", "approved (seeded)", MerchantStatus.Approved, null), cancellationToken);
        if (outcome != MerchantWriteOutcome.Done)
        {
            throw new InvalidOperationException($"Could not approve the demo merchant: {outcome}");
        }
    }
}
