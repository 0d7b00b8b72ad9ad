using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Audit.Export;
using Portal.Core.Adapters.Embedded;

namespace Portal.Components.Compliance;

/// <summary>
/// Exports started from the audit page: written to a private file under the data folder (so the page can show progress
/// while memory stays flat), then downloaded once ready by the user who started them, over the UI cookie. Files expire.
/// </summary>
public sealed class AuditExportFiles(EmbeddedDataFolder folder, AuditExporter exporter, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);
    private readonly ConcurrentDictionary<string, ExportFile> _files = new(StringComparer.Ordinal);

    public sealed record ExportFile(string Id, string OwnerId, string Path, string FileName, DateTimeOffset CreatedAt, AuditExportManifest Manifest);

    /// <summary>Writes the zip (export + manifest.json) and returns its download id.</summary>
    public async Task<ExportFile> CreateAsync(Actor actor, AuditFilter filter, AuditExportFileFormat format, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Sweep();
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var path = Path.Combine(folder.Sub("exports"), id + ".zip");
        PrivateFiles.EnsureExists(path);
        AuditExportManifest manifest;
        try
        {
            await using var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            manifest = await exporter.WriteZipAsync(file, filter, format, actor, progress, cancellationToken);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        var created = new ExportFile(id, actor.UserId ?? "", path, $"audit-export-{clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}.zip", clock.GetUtcNow(), manifest);
        _files[id] = created;
        return created;
    }

    public ExportFile? Find(string id, string? ownerId) =>
        _files.TryGetValue(id, out var f) && ownerId is not null && f.OwnerId == ownerId && clock.GetUtcNow() - f.CreatedAt < Lifetime && File.Exists(f.Path) ? f : null;

    private void Sweep()
    {
        foreach (var (id, f) in _files)
        {
            if (clock.GetUtcNow() - f.CreatedAt >= Lifetime && _files.TryRemove(id, out _))
            {
                File.Delete(f.Path);
            }
        }
    }

    /// <summary>GET /compliance/audit/exports/{id}: the file, for the user who made it (cookie, Compliance).</summary>
    public static void MapAuditExportDownloads(IEndpointRouteBuilder app) =>
        app.MapGet("/compliance/audit/exports/{id}", Results<FileStreamHttpResult, NotFound> (string id, HttpContext context, AuditExportFiles files) =>
                files.Find(id, context.ToActor().UserId) is { } f
                    ? TypedResults.File(new FileStream(f.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true), "application/zip", f.FileName)
                    : TypedResults.NotFound())
            .RequireAuthorization(PortalPolicies.Compliance)
            .ExcludeFromDescription();
}
