using System.IO.Compression;
using System.Text.Json;
using Portal.Core.Audit.Export;

// dotnet run --project tools/AuditExportVerify -- <export.zip> [--key-id <hex>]
// dotnet run --project tools/AuditExportVerify -- <export.csv|export.jsonl> <manifest.json> [--key-id <hex>]
// Exit code 0: the export is complete and unedited; 1: it is not (the reason names the row); 2: usage or unreadable input.
var files = new List<string>();
string? keyId = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--key-id" && i + 1 < args.Length)
    {
        keyId = args[++i];
    }
    else
    {
        files.Add(args[i]);
    }
}

if (files.Count is < 1 or > 2)
{
    Console.Error.WriteLine("usage: AuditExportVerify <export.zip> | <export.csv|.jsonl> <manifest.json>  [--key-id <published key id>]");
    return 2;
}

try
{
    AuditExportCheck check;
    if (files.Count == 1)
    {
        using var zip = ZipFile.OpenRead(files[0]);
        var manifestEntry = zip.GetEntry("manifest.json") ?? throw new InvalidDataException("The zip has no manifest.json.");
        AuditExportManifest manifest;
        using (var m = manifestEntry.Open())
        {
            manifest = JsonSerializer.Deserialize<AuditExportManifest>(m, AuditExportFormat.Json) ?? throw new InvalidDataException("manifest.json is empty.");
        }

        var exportEntry = zip.GetEntry(manifest.FileName) ?? throw new InvalidDataException($"The zip has no {manifest.FileName}, the file the manifest signs.");
        using var export = exportEntry.Open();
        check = AuditExportVerifier.Verify(export, manifest, keyId);
    }
    else
    {
        var manifest = JsonSerializer.Deserialize<AuditExportManifest>(File.ReadAllBytes(files[1]), AuditExportFormat.Json)
            ?? throw new InvalidDataException("The manifest is empty.");
        using var export = File.OpenRead(files[0]);
        check = AuditExportVerifier.Verify(export, manifest, keyId);
    }

    if (check.IsValid)
    {
        Console.WriteLine($"OK: {check.RowsChecked} rows, complete and unedited; signature verifies.");
        if (keyId is null)
        {
            Console.WriteLine("Note: pass --key-id with the key id the portal publishes (GET /api/v1/audit/export-key) to pin the signer.");
        }

        return 0;
    }

    Console.WriteLine($"FAILED: {check.Problem}");
    return 1;
}
catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"Cannot read the export: {ex.Message}");
    return 2;
}
