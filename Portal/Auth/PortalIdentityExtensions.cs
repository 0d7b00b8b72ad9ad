using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Components.Account;
using Portal.Core;

namespace Portal.Auth;

public static class PortalIdentityExtensions
{
    /// <summary>Local accounts (ASP.NET Core Identity on SQLite), cookies for the UI, bearer tokens and API keys for the API.</summary>
    public static IServiceCollection AddPortalAuth(this IServiceCollection services)
    {
        services.AddOptions<PortalAuthOptions>().BindConfiguration(PortalAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/access-denied";
                o.Cookie.Name = "portal.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax; // Secure: EnvironmentRules (always, outside Development)
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
            }));
        services.AddAuthentication()
            .AddBearerToken(IdentityConstants.BearerScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, StaffTokenAuthenticationHandler>(StaffTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(ApiAuthentication.Scheme, "API key or staff bearer token", o => o.ForwardDefaultSelector = ApiAuthentication.SelectScheme);

        services.AddDbContextFactory<PortalIdentityDbContext>((sp, options) =>
            options.UseSqlite($"Data Source={sp.GetRequiredService<EmbeddedDataFolder>().Database("identity.db")}"));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalIdentityDbContext>>().CreateDbContext());

        services.AddIdentityCore<PortalUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = true;
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = true;
                options.Password.RequireLowercase = true;
                options.Password.RequireUppercase = true;
                options.Password.RequireNonAlphanumeric = true;
                options.Lockout.AllowedForNewUsers = true;
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalIdentityDbContext>()
            .AddUserManager<PortalUserManager>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddTokenProvider<OneTimeAuthenticatorTokenProvider>(TokenOptions.DefaultAuthenticatorProvider);
        services.AddSingleton<TwoFactorSecretSealer>();
        services.Replace(ServiceDescriptor.Scoped<IUserStore<PortalUser>, SealedTwoFactorUserStore>());
        services.AddSingleton<StaffCredentialCheck>();
        services.AddSingleton<MerchantKeyGate>();
        // The UI cookie carries the security stamp too: recheck it as often as tokens are, so a role change, lockout,
        // disable or password reset ends browser sessions within the same time (stock Identity waits 30 minutes).
        // (StaffSessions carries the second factor and the session over each recheck.)
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = StaffCredentialCheck.MaxStaleness);

        // Read settings when options are built, not while services are registered, so every configuration source counts.
        services.AddOptions<IdentityOptions>().Configure<IOptions<PortalAuthOptions>>((o, auth) =>
        {
            o.Lockout.MaxFailedAccessAttempts = auth.Value.MaxFailedAttempts;
            o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(auth.Value.LockoutMinutes);
        });
        services.AddOptions<BearerTokenOptions>(IdentityConstants.BearerScheme).Configure<IOptions<PortalAuthOptions>>((o, auth) =>
            o.BearerTokenExpiration = TimeSpan.FromMinutes(auth.Value.BearerTokenMinutes));

        services.AddSingleton<IEmailSender<PortalUser>, OutboxEmailSender>();
        services.AddScoped<PortalAccounts>();
        services.AddPortalAuthorization();
        services.AddEnvironmentRules(); // cookie Secure policy, demo password guard, public links
        services.AddStaffSessions(); // idle and absolute limits for Admin and Compliance
        return services;
    }
}
