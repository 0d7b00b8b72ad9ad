using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Configuration;
using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// The web server's claim on its data folder, before anything in it is opened: the key ring must be the data's (a missing
/// or different key over existing data is refused, <see cref="KeyCustody"/>), and the folder lock (one portal per folder). Only the
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

        var folder = app.Services.GetRequiredService<EmbeddedDataFolder>();
        KeyCustody.ThrowIfKeyRingLost(folder); // only reads: a refused start leaves no trace, not even a lock file
        var folderLock = DataFolderLock.Acquire(folder.Root);
        try
        {
            app.Services.GetRequiredService<IKeyRing>(); // checks again, under the lock, and creates the key of a new folder
            folderLock.RecordHolder();
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
