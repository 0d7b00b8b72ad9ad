using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Configuration;

namespace Portal.Auth;

/// <summary>Creates or migrates the embedded stores and, in Development only, seeds and prints the demo accounts.</summary>
public static class StorageInitializer
{
    public static readonly IReadOnlyList<(string Email, string Role)> DemoAccounts =
    [
        ("admin@demo.local", PortalRoles.Admin),
        ("compliance@demo.local", PortalRoles.Compliance),
        ("merchant1@demo.local", PortalRoles.Merchant),
        ("merchant2@demo.local", PortalRoles.Merchant),
    ];

    public static async Task InitializePortalStorageAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalIdentityDbContext>();
        // Every file's schema version is read before any is written: a data folder from a newer release is refused whole.
        var databases = scope.ServiceProvider.GetService<Portal.Core.Adapters.Embedded.EmbeddedDatabaseStartup>();
        databases?.RefuseNewerSchemas();
        await IdentitySchema.RefuseNewerAsync(db);
        await db.Database.MigrateAsync();
        databases?.Migrate();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await SealedTwoFactorUserStore.SealLegacyValuesAsync(db, scope.ServiceProvider.GetRequiredService<TwoFactorSecretSealer>());

        var accounts = scope.ServiceProvider.GetRequiredService<PortalAccounts>();
        await accounts.EnsureRolesAsync();

        var options = scope.ServiceProvider.GetRequiredService<IOptions<PortalOptions>>().Value;
        // Allow-list, not "not Production": a Staging or UAT deployment must not hold accounts with a published password.
        if (!app.Environment.IsDevelopment() || !options.SeedDemoUsers)
        {
            return;
        }

        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        foreach (var (email, role) in DemoAccounts)
        {
            if (await users.FindByEmailAsync(email) is null)
            {
                var (_, errors) = await accounts.CreateAsync(email, options.DemoPassword, role, emailConfirmed: true);
                if (errors.Any())
                {
                    throw new InvalidOperationException($"Could not seed {email}: {string.Join("; ", errors.Select(e => e.Description))}");
                }
            }
        }

        var merchant1 = (await users.FindByEmailAsync(DemoAccounts[2].Email))!;
        var demoKey = await DemoMerchant.EnsureApprovedAsync(scope.ServiceProvider, merchant1);

        // bench/monitor.sh: more approved merchants (bench1@demo.local ...) to watch their own payments pages. Development only.
        var benchMerchants = app.Configuration.GetValue("Portal:BenchMerchants", 0);
        for (var i = 1; i <= benchMerchants; i++)
        {
            var email = $"bench{i}@demo.local";
            if (await users.FindByEmailAsync(email) is null)
            {
                await accounts.CreateAsync(email, options.DemoPassword, PortalRoles.Merchant, emailConfirmed: true);
                var user = (await users.FindByEmailAsync(email))!;
                var claim = (await users.GetClaimsAsync(user)).First(c => c.Type == PortalPolicies.MerchantIdClaim);
                await DemoMerchant.ApproveAsync(scope.ServiceProvider, new Portal.Core.Actor(user.Id, email, PortalRoles.Merchant, Guid.Parse(claim.Value), null),
                    $"Bench Shop {i}", (200000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var mfa = app.Configuration.GetValue("Auth:RequireStaffMfa", true);
        // Console, not the logger: demo credentials must never reach structured logs, and this runs in Development only.
        Console.WriteLine($"""

            ── Merchant Portal demo accounts (Development only) ──
            {string.Join(Environment.NewLine, DemoAccounts.Select(a => $"  {a.Role,-11} {a.Email,-24} password: {options.DemoPassword}"))}
              Staff (Admin, Compliance): {(mfa
                ? "TOTP is required. At first sign-in the portal shows a QR code and a key: add it to any authenticator app and type the 6-digit code."
                : "TOTP is optional in this environment; enrol under the account menu > Two-factor authentication.")}
              {DemoAccounts[2].Email} is the approved "{DemoMerchant.BusinessName}"; {DemoAccounts[3].Email} starts onboarding.
              {(demoKey is null ? "Its API keys are on the Developers page." : $"Its API key (shown once): {demoKey}")}
              Emails (sign-up confirmation, password reset) appear at /dev/outbox.

            """);
    }
}
