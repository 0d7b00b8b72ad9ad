using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Configuration;
using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// The web server's claim on its data folder, before anything in it is opened: the folder lock (one portal per folder),
/// then the key ring, which refuses a missing or different key over existing data (<see cref="KeyCustody"/>). Only the
/// web server claims the folder: the backup command reads the databases while the portal serves, so it must not be
/// turned away.
/// </summary>
internal static class DataFolderClaim
{
    public static void ClaimDataFolder(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<PortalOptions>>().Value;
        if (options.Mode != PortalMode.Embedded)
        {
            return;
        }

        var folderLock = DataFolderLock.Acquire(EmbeddedDataFolder.ResolveRoot(options, app.Environment.ContentRootPath));
        try
        {
            app.Services.GetRequiredService<IKeyRing>();
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }

        // Released when the host stops; a process that dies releases it with its file handles.
        app.Lifetime.ApplicationStopped.Register(folderLock.Dispose);
    }
}
