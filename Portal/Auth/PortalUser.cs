using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Portal.Auth;

/// <summary>A local account. The merchant it belongs to is a <see cref="PortalPolicies.MerchantIdClaim"/> user claim, so the Identity schema stays stock.</summary>
public sealed class PortalUser : IdentityUser;

public sealed class PortalIdentityDbContext(DbContextOptions<PortalIdentityDbContext> options) : IdentityDbContext<PortalUser>(options);
