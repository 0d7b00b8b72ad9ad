using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Kyc;

namespace Portal.Operations;

/// <summary>
/// Online backup and restore of the embedded data folder. A backup is a folder: <c>data/</c> (a consistent snapshot of
/// every database taken with SQLite's online backup API, the signed audit head that matches it, the encrypted document
/// files and the encrypted data-protection keys), <c>master.key.sealed</c> (the key ring under a key derived from the
/// operator's passphrase) and <c>manifest.json</c> (SHA-256 of every file), authenticated by <c>manifest.hmac</c>.
/// The backup takes no lock and writes nothing in the data folder, so it runs beside a portal serving traffic.
/// </summary>
internal static class PortalBackup
{
    public const int Iterations = 600_000;
    public const int MinimumPassphraseLength = 12;
    private const int MaximumIterations = 10_000_000; // a forged manifest must not make the restore spin for hours
    private const int FormatVersion = 1;
    private const string ManifestName = "manifest.json";
    private const string SignatureName = "manifest.hmac";
    private const string SealedKeyName = "master.key.sealed";
    private const string DataName = "data";
    private const string AuditHeadName = "audit.head.json";
    private const string DocumentsName = "documents";
    private const string DataProtectionName = "dataprotection";
    private static readonly byte[] SealedKeyContext = "merchant-portal backup: master key v1"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Backs up <paramref name="dataRoot"/> and the key at <paramref name="keyPath"/> into the empty or new folder <paramref name="target"/>.</summary>
    public static async Task<BackupManifest> CreateAsync(string dataRoot, string keyPath, string target, string passphrase, TextWriter output, CancellationToken cancellationToken)
    {
        CheckPassphrase(passphrase);
        if (!Directory.Exists(dataRoot) || !File.Exists(keyPath))
        {
            throw new BackupRefusedException($"Nothing to back up: the data folder {dataRoot} or its key ring {keyPath} does not exist.");
        }

        RequireEmptyOrMissing(target, "backup folder");
        var data = PrivateFiles.CreateFolder(Path.Combine(PrivateFiles.CreateOrRestrictFolder(target), DataName));

        // Databases first, documents after: a document is renamed into place before its record is written, so every
        // document a snapshot refers to is already on disk when the document files are copied.
        var databases = new List<BackupDatabase>();
        foreach (var name in EmbeddedDatabases.All.Where(name => File.Exists(Path.Combine(dataRoot, name))))
        {
            var destination = Path.Combine(data, name);
            var (attempts, headAgrees) = (1, true);
            if (name == EmbeddedDatabases.Audit)
            {
                (attempts, headAgrees) = await SnapshotAuditAsync(dataRoot, data, cancellationToken);
            }
            else
            {
                Snapshot(Path.Combine(dataRoot, name), destination);
            }

            databases.Add(new BackupDatabase(name, UserVersion(destination)));
            output.WriteLine($"Snapshot of {name}: {new FileInfo(destination).Length:N0} bytes" +
                (attempts > 1 ? $" (taken {attempts} times: events were written between the snapshot and the signed head)" : ""));
            if (!headAgrees)
            {
                output.WriteLine("WARNING: the audit log's signed head does not match its newest event (see the portal's start-up log); "
                    + "every stored event is in the backup, and verification after a restore will report the mismatch.");
            }
        }

        var documents = await CopyTreeAsync(Path.Combine(dataRoot, DocumentsName), Path.Combine(data, DocumentsName), "*.pdoc", cancellationToken);
        var protectionKeys = await CopyTreeAsync(Path.Combine(dataRoot, DataProtectionName), Path.Combine(data, DataProtectionName), "*.xml", cancellationToken);
        // Audit archives after the audit snapshot: an archive written meanwhile holds rows the snapshot may still have
        // (verification reads such an overlap once), never the other way round.
        var auditArchives = await CopyTreeAsync(Path.Combine(dataRoot, SqliteAuditLog.ArchiveFolderName), Path.Combine(data, SqliteAuditLog.ArchiveFolderName), "*.jsonl.gz", cancellationToken);
        output.WriteLine($"Copied {documents} document files, {protectionKeys} data-protection keys and {auditArchives} audit archives");

        var salt = RandomNumberGenerator.GetBytes(16);
        var (sealingKey, macKey) = DeriveKeys(passphrase, salt, Iterations);
        var masterKey = await File.ReadAllBytesAsync(keyPath, cancellationToken);
        try
        {
            PrivateFiles.WriteAtomically(Path.Combine(target, SealedKeyName), Seal(sealingKey, masterKey), overwrite: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterKey);
            CryptographicOperations.ZeroMemory(sealingKey);
        }

        var manifest = new BackupManifest(FormatVersion, DateTimeOffset.UtcNow, AppVersion(), "PBKDF2-SHA256", Iterations,
            Convert.ToBase64String(salt), databases, await ChecksumsAsync(target, cancellationToken));
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
        PrivateFiles.WriteAtomically(Path.Combine(target, ManifestName), manifestBytes, overwrite: false);
        // The signature is written last: a backup interrupted before this point has none and is refused as incomplete.
        PrivateFiles.WriteAtomically(Path.Combine(target, SignatureName),
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(macKey, manifestBytes))), overwrite: false);
        CryptographicOperations.ZeroMemory(macKey);
        output.WriteLine($"Backup written to {target}: {manifest.Files.Count} files, {manifest.Files.Sum(f => f.Length):N0} bytes, manifest signed");
        return manifest;
    }

    /// <summary>
    /// Checks the whole backup (passphrase, manifest signature, every file's checksum, the sealed key) before writing
    /// anything, then restores into the empty or new <paramref name="dataRoot"/> and <paramref name="keyPath"/>, and proves
    /// the result: the audit chain verifies and every document decrypts to the bytes its record names.
    /// </summary>
    public static async Task<RestoreReport> RestoreAsync(string source, string dataRoot, string keyPath, string passphrase, TextWriter output, CancellationToken cancellationToken)
    {
        RequireEmptyOrMissing(dataRoot, "data folder");
        if (File.Exists(keyPath))
        {
            throw new BackupRefusedException($"A key ring already exists at {keyPath}; restore never replaces a key. Move it away or point Portal:KeyPath elsewhere.");
        }

        var manifest = ReadVerifiedManifest(source, passphrase, out var sealingKey);
        byte[] masterKey;
        try
        {
            RefuseNewerSchemas(manifest);
            await VerifyFilesAsync(source, manifest, cancellationToken);
            masterKey = Unseal(sealingKey, await File.ReadAllBytesAsync(Path.Combine(source, SealedKeyName), cancellationToken));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sealingKey);
        }

        output.WriteLine($"Backup of {manifest.CreatedAt:u} (portal {manifest.AppVersion}) verified: {manifest.Files.Count} files, signature and checksums match");
        PrivateFiles.CreateOrRestrictFolder(dataRoot);
        foreach (var file in manifest.Files.Where(f => f.Path.StartsWith(DataName + "/", StringComparison.Ordinal)))
        {
            var destination = Path.Combine(dataRoot, file.Path[(DataName.Length + 1)..].Replace('/', Path.DirectorySeparatorChar));
            PrivateFiles.CreateFolder(Path.GetDirectoryName(destination)!);
            await CopyCheckedAsync(Path.Combine(source, file.Path), destination, file, cancellationToken);
        }

        PrivateFiles.CreateFolder(Path.GetDirectoryName(Path.GetFullPath(keyPath))!);
        try
        {
            PrivateFiles.WriteAtomically(keyPath, masterKey, overwrite: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(masterKey);
        }

        output.WriteLine($"Restored into {dataRoot}; key ring written to {keyPath}");
        var report = await VerifyRestoredAsync(dataRoot, keyPath, cancellationToken);
        output.WriteLine(report.Audit.IsIntact
            ? $"Audit chain verifies: {report.Audit.EventsChecked} events"
            : $"AUDIT CHAIN DOES NOT VERIFY at event {report.Audit.FirstBrokenSequence}: {report.Audit.Problem}");
        output.WriteLine(report.DocumentFailures.Count == 0
            ? $"Documents: {report.DocumentsChecked} of {report.DocumentsChecked} decrypt and match their checksums"
            : $"DOCUMENTS FAILED: {report.DocumentFailures.Count} of {report.DocumentsChecked} ({string.Join(", ", report.DocumentFailures)})");
        return report;
    }

    /// <summary>What a restored folder proves about itself, with its own key ring.</summary>
    internal static async Task<RestoreReport> VerifyRestoredAsync(string dataRoot, string keyPath, CancellationToken cancellationToken)
    {
        var keyRing = new LocalKeyRing(keyPath);
        AuditVerification audit;
        await using (var log = new SqliteAuditLog(new SqliteDatabase(Path.Combine(dataRoot, EmbeddedDatabases.Audit), EmbeddedSchemas.Audit),
            new AuditChain(keyRing.DeriveKey("audit-chain")), TimeProvider.System, NullLogger<SqliteAuditLog>.Instance))
        {
            audit = await log.VerifyAsync(cancellationToken);
        }

        var store = new EncryptedFileDocumentStore(Path.Combine(dataRoot, DocumentsName), keyRing, TimeProvider.System);
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var (merchantId, type, versionId, length, sha256) in DocumentRecords(Path.Combine(dataRoot, EmbeddedDatabases.Portal)))
        {
            checkedCount++;
            try
            {
                await using var content = await store.OpenReadAsync(KycDocumentService.Key(merchantId, type), versionId, cancellationToken);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long read = 0;
                var buffer = new byte[64 * 1024];
                for (int n; content is not null && (n = await content.ReadAsync(buffer, cancellationToken)) > 0; read += n)
                {
                    hash.AppendData(buffer, 0, n);
                }

                if (content is null || read != length || !string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), sha256, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"{type} of mer_{merchantId:N} version {versionId}");
                }
            }
            catch (CryptographicException)
            {
                failures.Add($"{type} of mer_{merchantId:N} version {versionId}");
            }
        }

        SqliteConnection.ClearAllPools();
        return new RestoreReport(audit, checkedCount, failures);
    }

    private static List<(Guid MerchantId, DocumentType Type, string VersionId, long Length, string Sha256)> DocumentRecords(string portalDb)
    {
        var rows = new List<(Guid, DocumentType, string, long, string)>();
        if (!File.Exists(portalDb))
        {
            return rows;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = portalDb, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kyc_documents'";
        if (command.ExecuteScalar() is null)
        {
            return rows;
        }

        command.CommandText = "SELECT merchant_id, type, version_id, length, sha256 FROM kyc_documents";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add((Guid.Parse(reader.GetString(0)), Enum.Parse<DocumentType>(reader.GetString(1)), reader.GetString(2), reader.GetInt64(3), reader.GetString(4)));
        }

        return rows;
    }

    /// <summary>
    /// SQLite's online backup API: a consistent copy while writers go on (WAL readers never block them). The copy is taken
    /// into memory (CPU only) and then written out in small synced chunks: one pass straight into a file left hundreds of
    /// megabytes of dirty pages that the portal's own commits had to wait behind (payment p99 up to 10x; into tmpfs, within 2x).
    /// </summary>
    private static void Snapshot(string source, string destination)
    {
        using var from = new SqliteConnection(Connection(source, SqliteOpenMode.ReadWrite));
        using var memory = new SqliteConnection("Data Source=:memory:");
        from.Open();
        memory.Open();
        from.BackupDatabase(memory);

        var image = SQLitePCL.raw.sqlite3_serialize(memory.Handle, "main", out var size, 0);
        if (image == IntPtr.Zero)
        {
            throw new InvalidOperationException($"Could not take a snapshot of {source} in memory ({size} bytes).");
        }

        try
        {
            WritePaced(image, size, destination);
        }
        finally
        {
            SQLitePCL.raw.sqlite3_free(image);
        }
    }

    /// <summary>
    /// Half a megabyte: on this machine's disk a synced write costs about 5 ms up to that size (1 MB: 10 ms), so a
    /// portal commit that queues behind one waits about 5 ms at most.
    /// </summary>
    internal const int SyncChunkBytes = 512 * 1024;

    private static void WritePaced(IntPtr image, long size, string destination)
    {
        PrivateFiles.EnsureExists(destination); // private from the start
        using var file = new FileStream(destination, FileMode.Truncate, FileAccess.Write, FileShare.None, bufferSize: 0);
        var buffer = new byte[SyncChunkBytes];
        for (long written = 0; written < size; written += SyncChunkBytes)
        {
            var length = (int)Math.Min(SyncChunkBytes, size - written);
            System.Runtime.InteropServices.Marshal.Copy(image + (nint)written, buffer, 0, length);
            if (written == 0 && length > 19 && buffer[18] == 2 && buffer[19] == 2)
            {
                // Header bytes 18-19 say "WAL" (copied from the live file): the copy is one self-contained rollback-journal file.
                buffer[18] = 1;
                buffer[19] = 1;
            }

            DiskPacer.Backup.WriteSyncedChunk(file, buffer.AsSpan(0, length));
        }
    }

    private static string Connection(string path, SqliteOpenMode mode) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString();

    /// <summary>
    /// The audit log's signed head lives beside audit.db and is rewritten after each batch commits, so a snapshot and a
    /// head read a moment apart may disagree; retry until the head names the snapshot's newest event, as verify requires.
    /// A head that never agrees (the portal stopped between a commit and its head write, or the log was cut) is kept as
    /// found and reported: the backup still holds every event, and the restore's verification names the disagreement.
    /// </summary>
    private static async Task<(int Attempts, bool HeadAgrees)> SnapshotAuditAsync(string dataRoot, string data, CancellationToken cancellationToken)
    {
        const int MaxAttempts = 20;
        var destination = Path.Combine(data, EmbeddedDatabases.Audit);
        var headPath = Path.Combine(dataRoot, AuditHeadName);
        for (var attempt = 1; ; attempt++)
        {
            Snapshot(Path.Combine(dataRoot, EmbeddedDatabases.Audit), destination);
            var head = File.Exists(headPath) ? await File.ReadAllBytesAsync(headPath, cancellationToken) : null;
            var agrees = HeadMatchesTail(head, destination);
            if (agrees || attempt == MaxAttempts)
            {
                if (head is not null)
                {
                    PrivateFiles.WriteAtomically(Path.Combine(data, AuditHeadName), head, overwrite: false);
                }

                return (attempt, agrees);
            }

            File.Delete(destination);
            await Task.Delay(20 * attempt, cancellationToken);
        }
    }

    private static bool HeadMatchesTail(byte[]? headBytes, string auditDb)
    {
        using var connection = new SqliteConnection(Connection(auditDb, SqliteOpenMode.ReadOnly));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'";
        (long Sequence, string Hash)? tail = null;
        if (command.ExecuteScalar() is not null)
        {
            command.CommandText = "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1";
            using var reader = command.ExecuteReader();
            tail = reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
        }

        var head = headBytes is null ? null : JsonSerializer.Deserialize<AuditHead>(headBytes);
        return (head, tail) switch
        {
            (null, null) => true,
            ({ } h, { } t) => h.Sequence == t.Sequence && string.Equals(h.Hash, t.Hash, StringComparison.Ordinal),
            _ => false,
        };
    }

    private static long UserVersion(string database)
    {
        using var connection = new SqliteConnection(Connection(database, SqliteOpenMode.ReadOnly));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Copies the finished files (renamed into place, so each is whole) matching <paramref name="pattern"/>.</summary>
    private static async Task<int> CopyTreeAsync(string from, string to, string pattern, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(from))
        {
            return 0;
        }

        var copied = 0;
        foreach (var file in Directory.EnumerateFiles(from, pattern, SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            PrivateFiles.CreateFolder(Path.GetDirectoryName(destination)!);
            await using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, SyncChunkBytes, useAsync: true);
            await using var target = PrivateFiles.CreateNew(destination, useAsync: false);
            var buffer = new byte[SyncChunkBytes];
            for (int n; (n = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0;)
            {
                // Synced like the snapshots: a backup's documents must survive a power cut as its manifest does.
                DiskPacer.Backup.WriteSyncedChunk(target, buffer.AsSpan(0, n));
            }

            target.Flush(flushToDisk: true);
            copied++;
        }

        return copied;
    }

    private static async Task<List<BackupFile>> ChecksumsAsync(string target, CancellationToken cancellationToken)
    {
        var files = new List<BackupFile>();
        foreach (var path in Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            var hash = await SHA256.HashDataAsync(stream, cancellationToken);
            files.Add(new BackupFile(Path.GetRelativePath(target, path).Replace(Path.DirectorySeparatorChar, '/'), stream.Length, Convert.ToHexStringLower(hash)));
        }

        return files;
    }

    private static BackupManifest ReadVerifiedManifest(string source, string passphrase, out byte[] sealingKey)
    {
        var manifestPath = Path.Combine(source, ManifestName);
        var signaturePath = Path.Combine(source, SignatureName);
        if (!File.Exists(manifestPath) || !File.Exists(signaturePath))
        {
            throw new BackupRefusedException($"{source} is not a complete backup: its signed manifest is missing (an interrupted backup has none).");
        }

        var manifestBytes = File.ReadAllBytes(manifestPath);
        // Only the key-derivation parameters are read before the signature is checked; they only steer the derivation,
        // and a forged value gives a key that fails the check.
        string salt;
        int iterations;
        try
        {
            using var document = JsonDocument.Parse(manifestBytes);
            salt = document.RootElement.GetProperty("salt").GetString()!;
            iterations = document.RootElement.GetProperty("iterations").GetInt32();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new BackupRefusedException($"The manifest of {source} is damaged.");
        }

        if (iterations is < Iterations or > MaximumIterations)
        {
            throw new BackupRefusedException($"The manifest of {source} was altered: its key derivation is outside the accepted range.");
        }

        byte[] macKey;
        try
        {
            (sealingKey, macKey) = DeriveKeys(passphrase, Convert.FromBase64String(salt), iterations);
        }
        catch (FormatException)
        {
            throw new BackupRefusedException($"The manifest of {source} is damaged.");
        }

        var expected = HMACSHA256.HashData(macKey, manifestBytes);
        CryptographicOperations.ZeroMemory(macKey);
        byte[] stated;
        try
        {
            stated = Convert.FromHexString(File.ReadAllText(signaturePath).Trim());
        }
        catch (FormatException)
        {
            stated = [];
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, stated))
        {
            CryptographicOperations.ZeroMemory(sealingKey);
            throw new BackupRefusedException("The passphrase is wrong, or the backup's manifest was altered: nothing was restored.");
        }

        var manifest = JsonSerializer.Deserialize<BackupManifest>(manifestBytes, Json);
        if (manifest is null || manifest.Format != FormatVersion)
        {
            CryptographicOperations.ZeroMemory(sealingKey);
            throw new BackupRefusedException($"The backup format {manifest?.Format} is not one this portal reads ({FormatVersion}).");
        }

        return manifest;
    }

    private static async Task VerifyFilesAsync(string source, BackupManifest manifest, CancellationToken cancellationToken)
    {
        var listed = manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        if (!listed.ContainsKey(SealedKeyName) || listed.Keys.Any(path => !IsSafeRelative(path)))
        {
            throw new BackupRefusedException("The backup's manifest lacks the sealed key ring or names a path outside the backup.");
        }

        var present = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(source, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(path => path is not (ManifestName or SignatureName))
            .ToHashSet(StringComparer.Ordinal);
        if (listed.Keys.FirstOrDefault(path => !present.Contains(path)) is { } missing)
        {
            throw new BackupRefusedException($"The backup is incomplete: {missing} is missing. Nothing was restored.");
        }

        if (present.FirstOrDefault(path => !listed.ContainsKey(path)) is { } extra)
        {
            throw new BackupRefusedException($"The backup holds a file its manifest does not list ({extra}). Nothing was restored.");
        }

        foreach (var file in manifest.Files)
        {
            await using var stream = new FileStream(Path.Combine(source, file.Path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            if (stream.Length != file.Length || !string.Equals(hash, file.Sha256, StringComparison.Ordinal))
            {
                throw new BackupRefusedException($"The backup was altered or damaged: {file.Path} does not match its checksum. Nothing was restored.");
            }
        }
    }

    /// <summary>A backup written by a newer release is refused before anything is written, not at the next start.</summary>
    private static void RefuseNewerSchemas(BackupManifest manifest)
    {
        foreach (var database in manifest.Databases)
        {
            var known = EmbeddedSchemas.All.Values.FirstOrDefault(s => s.FileName == database.Name);
            if (known is not null && database.UserVersion > known.Latest)
            {
                throw new BackupRefusedException($"The backup was written by a newer release: {database.Name} has schema version "
                    + $"{database.UserVersion}, this release knows versions up to {known.Latest}. Restore it with that release or a later one. Nothing was restored.");
            }
        }
    }

    private static bool IsSafeRelative(string path) =>
        !Path.IsPathRooted(path) && !path.Split('/').Any(part => part is "" or "." or "..") && !path.Contains('\\', StringComparison.Ordinal);

    /// <summary>Copies one verified file and hashes what was copied, so a file swapped after the check is still caught.</summary>
    private static async Task CopyCheckedAsync(string from, string to, BackupFile file, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true))
        await using (var target = PrivateFiles.CreateNew(to, useAsync: true))
        {
            var buffer = new byte[1 << 20];
            for (int n; (n = await source.ReadAsync(buffer, cancellationToken)) > 0;)
            {
                hash.AppendData(buffer, 0, n);
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            }

            await target.FlushAsync(cancellationToken);
            target.Flush(flushToDisk: true);
        }

        if (!string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), file.Sha256, StringComparison.Ordinal))
        {
            throw new BackupRefusedException($"{file.Path} changed while it was being restored; the restore into the data folder is incomplete, empty it and retry.");
        }
    }

    private static void RequireEmptyOrMissing(string folder, string what)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new BackupRefusedException($"The {what} {folder} is not empty; name an empty or new folder.");
        }

        if (File.Exists(folder))
        {
            throw new BackupRefusedException($"The {what} {folder} is a file; name an empty or new folder.");
        }
    }

    private static void CheckPassphrase(string passphrase)
    {
        if (passphrase.Length < MinimumPassphraseLength)
        {
            throw new BackupRefusedException($"The backup passphrase must have at least {MinimumPassphraseLength} characters.");
        }
    }

    // One PBKDF2 run gives both keys: the first half seals the key ring, the second signs the manifest.
    private static (byte[] SealingKey, byte[] MacKey) DeriveKeys(string passphrase, byte[] salt, int iterations)
    {
        var derived = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 64);
        var keys = (derived[..32], derived[32..]);
        CryptographicOperations.ZeroMemory(derived);
        return keys;
    }

    // nonce(12) | tag(16) | ciphertext, AES-256-GCM
    private static byte[] Seal(byte[] key, byte[] plaintext)
    {
        var sealedKey = new byte[12 + 16 + plaintext.Length];
        RandomNumberGenerator.Fill(sealedKey.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(sealedKey.AsSpan(0, 12), plaintext, sealedKey.AsSpan(28), sealedKey.AsSpan(12, 16), SealedKeyContext);
        return sealedKey;
    }

    private static byte[] Unseal(byte[] key, byte[] sealedKey)
    {
        if (sealedKey.Length < 28)
        {
            throw new BackupRefusedException("The sealed key ring in the backup is damaged.");
        }

        var plaintext = new byte[sealedKey.Length - 28];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(sealedKey.AsSpan(0, 12), sealedKey.AsSpan(28), sealedKey.AsSpan(12, 16), plaintext, SealedKeyContext);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new BackupRefusedException("The sealed key ring in the backup does not open with this passphrase.");
        }
    }

    private static string AppVersion() =>
        typeof(PortalBackup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

internal sealed record BackupManifest(int Format, DateTimeOffset CreatedAt, string AppVersion, string Kdf, int Iterations, string Salt,
    IReadOnlyList<BackupDatabase> Databases, IReadOnlyList<BackupFile> Files);

/// <summary>A database in the backup and its schema version (<c>PRAGMA user_version</c>).</summary>
internal sealed record BackupDatabase(string Name, long UserVersion);

internal sealed record BackupFile(string Path, long Length, string Sha256);

internal sealed record RestoreReport(AuditVerification Audit, int DocumentsChecked, IReadOnlyList<string> DocumentFailures)
{
    public bool IsSound => Audit.IsIntact && DocumentFailures.Count == 0;
}

/// <summary>A backup or restore the command refuses, with a message for the operator (nothing secret in it).</summary>
internal sealed class BackupRefusedException(string message) : Exception(message);
