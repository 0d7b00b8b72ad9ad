using Microsoft.EntityFrameworkCore;
using Portal.Core.Adapters.Embedded;

namespace Portal.Auth;

/// <summary>identity.db is versioned by EF Core's migrations (Portal/Auth/Migrations), applied at start-up.</summary>
internal static class IdentitySchema
{
    /// <summary>
    /// Refuses, before <c>MigrateAsync</c> writes anything, an identity.db holding migrations this release does not know:
    /// a newer release wrote it, and running older code on it would be a silent downgrade.
    /// </summary>
    public static async Task RefuseNewerAsync(PortalIdentityDbContext db)
    {
        var unknown = (await db.Database.GetAppliedMigrationsAsync()).Except(db.Database.GetMigrations()).ToList();
        if (unknown.Count > 0)
        {
            throw new SchemaTooNewException(
                $"{db.Database.GetDbConnection().DataSource} has migrations this release of the portal does not know " +
                $"({string.Join(", ", unknown)}; it knows up to {db.Database.GetMigrations().LastOrDefault()}). A newer release wrote it; the portal " +
                "does not downgrade a data folder. Run that release again, or restore a backup taken before the upgrade. " +
                "The file was not opened for writing.");
        }
    }
}
