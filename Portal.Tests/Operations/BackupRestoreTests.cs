using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Payments;
using Portal.Operations;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Operations;

/// <summary>
/// The backup runs beside a portal taking payments; the restore checks everything before writing, and a restored folder
/// serves the same payments and documents, with an audit chain that verifies.
/// </summary>
public sealed class BackupRestoreTests(BackupRestoreTests.Fixture fixture) : IClassFixture<BackupRestoreTests.Fixture>
{
    private const string Passphrase = "correct horse battery staple";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One small backup (a payment, a document, audit events) taken from a portal that then stops; tests work on copies.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public string Backup { get; } = TempFolder("backup");

        public string MasterKey { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            await using var portal = new PortalFactory();
            await portal.StaffTokenAsync("Admin");
            var (_, key) = await portal.ApprovedMerchantKeyAsync();
            using var client = portal.ClientWithBearer(key);
            using (var paid = await PayAsync(client, "ord_fixture"))
            {
                paid.StatusCode.ShouldBe(HttpStatusCode.Created, await paid.Content.ReadAsStringAsync());
            }

            await UploadDocumentAsync(portal, Pdf(70_000));
            MasterKey = await File.ReadAllTextAsync(Path.Combine(portal.DataPath, "keys", "master.key"));
            await PortalBackup.CreateAsync(portal.DataPath, Path.Combine(portal.DataPath, "keys", "master.key"), Backup, Passphrase, TextWriter.Null, CancellationToken.None);
        }

        public ValueTask DisposeAsync()
        {
            Directory.Delete(Backup, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Backup_under_payment_load_restores_every_acknowledged_payment_the_documents_and_a_verified_audit_chain()
    {
        var restored = TempFolder("restored");
        var backup = TempFolder("backup");
        var acknowledged = new ConcurrentDictionary<string, string>();
        var documents = new ConcurrentDictionary<string, byte[]>(); // download address -> bytes, for each acknowledged upload
        HashSet<string> paymentsBefore;
        Dictionary<string, byte[]> documentsBefore;
        string merchantKey;
        string documentOwnerKey;
        await using (var portal = new PortalFactory())
        {
            await portal.StaffTokenAsync("Admin"); // sign-in and token events in the audit chain
            (_, merchantKey) = await portal.ApprovedMerchantKeyAsync();
            string merchantId;
            (documentOwnerKey, merchantId) = await RegisteredMerchantAsync(portal);
            using var client = portal.ClientWithBearer(merchantKey);
            using var owner = portal.ClientWithBearer(documentOwnerKey);

            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var order = $"ord-{worker}-{i}";
                    using var response = await PayAsync(client, order);
                    response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
                    acknowledged[order] = (await response.JsonAsync()).GetProperty("id").GetString()!;
                }
            })).ToList();
            // Uploads go on during the backup too: each writes a document file, then its record, then an audit event
            // (which moves the audit log's signed head), until the merchant's version quota ends them.
            load.Add(Task.Run(async () =>
            {
                string[] types = ["certificate_of_incorporation", "director_id", "proof_of_address", "bank_statement"];
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var pdf = Pdf(20_000 + i);
                    var (status, url) = await UploadAsync(owner, merchantId, types[i % types.Length], pdf);
                    if (status != HttpStatusCode.Created)
                    {
                        return;
                    }

                    documents[url!] = pdf;
                    await Task.Delay(10); // spread the quota over the backup's time
                }
            }));
            while (acknowledged.Count < 200 || documents.IsEmpty)
            {
                await Task.Delay(10, Ct);
            }

            paymentsBefore = [.. acknowledged.Values];
            documentsBefore = documents.ToDictionary();
            using var backupOutput = new StringWriter();
            await PortalBackup.CreateAsync(portal.DataPath, Path.Combine(portal.DataPath, "keys", "master.key"), backup, Passphrase, backupOutput, Ct);
            TestContext.Current.TestOutputHelper?.WriteLine(backupOutput.ToString());
            var paymentsDuring = acknowledged.Count - paymentsBefore.Count;
            var uploadsDuring = documents.Count - documentsBefore.Count;
            await stop.CancelAsync();
            await Task.WhenAll(load);
            paymentsDuring.ShouldBeGreaterThan(0, "payments must go on while the backup runs");
            uploadsDuring.ShouldBeGreaterThan(0, "uploads must go on while the backup runs");
        }

        try
        {
            using var output = new StringWriter();
            var report = await PortalBackup.RestoreAsync(backup, restored, Path.Combine(restored, "keys", "master.key"), Passphrase, output, Ct);

            report.IsSound.ShouldBeTrue(output.ToString());
            report.Audit.EventsChecked.ShouldBeGreaterThan(documentsBefore.Count);
            report.DocumentsChecked.ShouldBeGreaterThanOrEqualTo(documentsBefore.Count);
            output.ToString().ShouldContain($"Audit chain verifies: {report.Audit.EventsChecked} events");
            output.ToString().ShouldContain($"Documents: {report.DocumentsChecked} of {report.DocumentsChecked} decrypt and match their checksums");

            // The restored folder, served by a fresh portal: the same keys, payments and document bytes.
            var stored = await PaymentIdsAsync(Path.Combine(restored, EmbeddedDatabases.Payments));
            paymentsBefore.Where(id => !stored.Contains(id)).ShouldBeEmpty("every payment acknowledged before the backup started is in it");
            await using var again = new PortalFactory().WithSetting("Portal:DataPath", restored);
            using var client = again.ClientWithBearer(merchantKey);
            using (var one = await client.GetAsync($"/api/v1/payments/{paymentsBefore.First()}", Ct))
            {
                one.StatusCode.ShouldBe(HttpStatusCode.OK, await one.Content.ReadAsStringAsync(Ct));
            }

            using var owner = again.ClientWithBearer(documentOwnerKey);
            foreach (var (url, pdf) in documentsBefore)
            {
                using var download = await owner.GetAsync(url, Ct);
                download.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                (await download.Content.ReadAsByteArrayAsync(Ct)).ShouldBe(pdf);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(backup, recursive: true);
            Directory.Delete(restored, recursive: true);
        }
    }

    [Fact]
    public async Task A_log_whose_signed_head_is_lost_is_still_backed_up_and_the_restore_reports_the_mismatch()
    {
        var backup = TempFolder("backup");
        var restored = TempFolder("restored");
        using var backupOutput = new StringWriter();
        await using (var portal = new PortalFactory())
        {
            await portal.StaffTokenAsync("Admin");
            File.Delete(Path.Combine(portal.DataPath, "audit.head.json")); // as if the portal stopped before writing it

            await PortalBackup.CreateAsync(portal.DataPath, Path.Combine(portal.DataPath, "keys", "master.key"), backup, Passphrase, backupOutput, Ct);
        }

        using var restoreOutput = new StringWriter();
        var report = await PortalBackup.RestoreAsync(backup, restored, Path.Combine(restored, "keys", "master.key"), Passphrase, restoreOutput, Ct);

        backupOutput.ToString().ShouldContain("WARNING: the audit log's signed head does not match its newest event");
        report.IsSound.ShouldBeFalse();
        report.Audit.EventsChecked.ShouldBeGreaterThan(0);
        restoreOutput.ToString().ShouldContain("AUDIT CHAIN DOES NOT VERIFY");
        SqliteConnection.ClearAllPools();
        Directory.Delete(backup, recursive: true);
        Directory.Delete(restored, recursive: true);
    }

    [Fact]
    public async Task Restore_with_the_wrong_passphrase_is_refused_and_writes_nothing()
    {
        var restored = TempFolder("restored");

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(fixture.Backup, restored, "not the passphrase at all"));

        refused.Message.ShouldContain("passphrase is wrong");
        Directory.Exists(restored).ShouldBeFalse();
    }

    [Fact]
    public async Task Restore_of_a_backup_with_one_byte_changed_in_a_database_is_refused_and_writes_nothing()
    {
        var copy = CopyOfBackup();
        var restored = TempFolder("restored");
        var database = Path.Combine(copy, "data", EmbeddedDatabases.Payments);
        var bytes = await File.ReadAllBytesAsync(database, Ct);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(database, bytes, Ct);

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(copy, restored, Passphrase));

        refused.Message.ShouldContain("data/payments.db does not match its checksum");
        Directory.Exists(restored).ShouldBeFalse();
        Directory.Delete(copy, recursive: true);
    }

    [Fact]
    public async Task Restore_of_a_backup_missing_a_document_is_refused_and_writes_nothing()
    {
        var copy = CopyOfBackup();
        var restored = TempFolder("restored");
        File.Delete(Directory.EnumerateFiles(Path.Combine(copy, "data", "documents"), "*.pdoc", SearchOption.AllDirectories).Single());

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(copy, restored, Passphrase));

        refused.Message.ShouldContain("incomplete");
        Directory.Exists(restored).ShouldBeFalse();
        Directory.Delete(copy, recursive: true);
    }

    [Fact]
    public async Task Restore_of_a_backup_whose_manifest_was_edited_to_match_a_changed_file_is_refused()
    {
        var copy = CopyOfBackup();
        var restored = TempFolder("restored");
        var database = Path.Combine(copy, "data", EmbeddedDatabases.Payments);
        var manifestPath = Path.Combine(copy, "manifest.json");
        var oldHash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(database, Ct)));
        var bytes = await File.ReadAllBytesAsync(database, Ct);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(database, bytes, Ct);
        var manifest = await File.ReadAllTextAsync(manifestPath, Ct);
        await File.WriteAllTextAsync(manifestPath, manifest.Replace(oldHash, Convert.ToHexStringLower(SHA256.HashData(bytes)), StringComparison.Ordinal), Ct);

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(copy, restored, Passphrase));

        refused.Message.ShouldContain("manifest was altered");
        Directory.Exists(restored).ShouldBeFalse();
        Directory.Delete(copy, recursive: true);
    }

    [Fact]
    public async Task Restore_of_an_interrupted_backup_without_its_signature_is_refused()
    {
        var copy = CopyOfBackup();
        var restored = TempFolder("restored");
        File.Delete(Path.Combine(copy, "manifest.hmac"));

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(copy, restored, Passphrase));

        refused.Message.ShouldContain("not a complete backup");
        Directory.Exists(restored).ShouldBeFalse();
        Directory.Delete(copy, recursive: true);
    }

    [Fact]
    public async Task Restore_of_a_backup_from_a_newer_release_is_refused_before_anything_is_written()
    {
        var newer = TempFolder("newer");
        await Restore(fixture.Backup, newer, Passphrase);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(newer, EmbeddedDatabases.Payments)};Pooling=False"))
        {
            connection.Open();
            using var bump = connection.CreateCommand();
            bump.CommandText = $"PRAGMA user_version = {EmbeddedSchemas.Payments.Latest + 1}";
            bump.ExecuteNonQuery();
        }

        var backup = TempFolder("newer-backup");
        await PortalBackup.CreateAsync(newer, Path.Combine(newer, "keys", "master.key"), backup, Passphrase, TextWriter.Null, Ct);
        var restored = TempFolder("restored");

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(backup, restored, Passphrase));

        refused.Message.ShouldContain($"payments.db has schema version {EmbeddedSchemas.Payments.Latest + 1}");
        refused.Message.ShouldContain("Nothing was restored");
        Directory.Exists(restored).ShouldBeFalse();
        Directory.Delete(newer, recursive: true);
        Directory.Delete(backup, recursive: true);
    }

    [Fact]
    public async Task Restore_into_a_folder_that_is_not_empty_is_refused_and_leaves_it_untouched()
    {
        var restored = TempFolder("restored");
        Directory.CreateDirectory(restored);
        await File.WriteAllTextAsync(Path.Combine(restored, "notes.txt"), "someone's data", Ct);

        var refused = await Should.ThrowAsync<BackupRefusedException>(() => Restore(fixture.Backup, restored, Passphrase));

        refused.Message.ShouldContain("is not empty");
        Directory.EnumerateFileSystemEntries(restored).Select(Path.GetFileName).ShouldBe(["notes.txt"]);
        Directory.Delete(restored, recursive: true);
    }

    [Fact]
    public async Task Restore_never_replaces_an_existing_key_ring()
    {
        var restored = TempFolder("restored");
        var keyPath = TempFolder("keys") + "/master.key";
        Directory.CreateDirectory(Path.GetDirectoryName(keyPath)!);
        await File.WriteAllTextAsync(keyPath, "another key", Ct);

        var refused = await Should.ThrowAsync<BackupRefusedException>(() =>
            PortalBackup.RestoreAsync(fixture.Backup, restored, keyPath, Passphrase, TextWriter.Null, Ct));

        refused.Message.ShouldContain("never replaces a key");
        (await File.ReadAllTextAsync(keyPath, Ct)).ShouldBe("another key");
        Directory.Exists(restored).ShouldBeFalse();
        Directory.Delete(Path.GetDirectoryName(keyPath)!, recursive: true);
    }

    [Fact]
    public async Task A_backup_never_holds_the_master_key_in_the_clear()
    {
        var key = fixture.MasterKey.Trim();
        var raw = Convert.FromBase64String(key);

        foreach (var file in Directory.EnumerateFiles(fixture.Backup, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(key)).ShouldBe(-1, file);
            bytes.AsSpan().IndexOf(raw).ShouldBe(-1, file);
        }

        Directory.EnumerateFiles(fixture.Backup, "master.key", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_databases_in_a_backup_are_self_contained_files_that_open_read_only()
    {
        foreach (var name in EmbeddedDatabases.All)
        {
            var path = Directory.EnumerateFiles(fixture.Backup, name, SearchOption.AllDirectories).Single();
            var header = new byte[20];
            await using (var file = File.OpenRead(path))
            {
                await file.ReadExactlyAsync(header, Ct);
            }

            // Bytes 18-19: 1 = rollback journal, 2 = WAL (which would want a -wal file beside it).
            (header[18], header[19]).ShouldBe(((byte)1, (byte)1), name);
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            check.ExecuteScalar().ShouldBe("ok", name);
        }
    }

    [Fact]
    public async Task Backup_into_a_folder_that_is_not_empty_is_refused()
    {
        await using var portal = new PortalFactory();
        await portal.StaffTokenAsync("Admin");

        var refused = await Should.ThrowAsync<BackupRefusedException>(() =>
            PortalBackup.CreateAsync(portal.DataPath, Path.Combine(portal.DataPath, "keys", "master.key"), fixture.Backup, Passphrase, TextWriter.Null, Ct));

        refused.Message.ShouldContain("is not empty");
    }

    [Fact]
    public async Task The_database_list_names_every_database_the_portal_creates()
    {
        await using var portal = new PortalFactory();
        await portal.StaffTokenAsync("Admin");
        var (_, key) = await portal.ApprovedMerchantKeyAsync();
        using var client = portal.ClientWithBearer(key);
        using var paid = await PayAsync(client, "ord_list");

        Directory.EnumerateFiles(portal.DataPath, "*.db").Select(Path.GetFileName).ShouldBeSubsetOf(EmbeddedDatabases.All);
    }

    private static Task<RestoreReport> Restore(string backup, string restored, string passphrase) =>
        PortalBackup.RestoreAsync(backup, restored, Path.Combine(restored, "keys", "master.key"), passphrase, TextWriter.Null, Ct);

    private string CopyOfBackup()
    {
        var copy = TempFolder("copy");
        foreach (var file in Directory.EnumerateFiles(fixture.Backup, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(copy, Path.GetRelativePath(fixture.Backup, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return copy;
    }

    private static string TempFolder(string what) => Path.Combine(Path.GetTempPath(), "portal-backup-tests", $"{what}-{Guid.NewGuid():N}");

    private static async Task<HashSet<string>> PaymentIdsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM payments";
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            ids.Add("pay_" + reader.GetString(0)); // stored as the id's hex, shown with its prefix
        }

        return ids;
    }

    private static Task<HttpResponseMessage> PayAsync(HttpClient client, string order)
    {
        var customer = "cus_" + Guid.NewGuid().ToString("N")[..12];
        return client.PostAsJsonAsync("/api/v1/payments",
            new { amount = 2500, currency = "usd", customer_id = customer, payment_method = SandboxProcessor.Success, order_id = order });
    }

    /// <summary>A registered merchant uploads a document; returns its download address.</summary>
    private static async Task UploadDocumentAsync(PortalFactory portal, byte[] pdf)
    {
        var (key, merchantId) = await RegisteredMerchantAsync(portal);
        using var client = portal.ClientWithBearer(key);
        var (status, _) = await UploadAsync(client, merchantId, "certificate_of_incorporation", pdf);
        status.ShouldBe(HttpStatusCode.Created);
    }

    /// <summary>A merchant that registered itself (and so may upload its documents): its API key and id.</summary>
    private static async Task<(string Key, string MerchantId)> RegisteredMerchantAsync(PortalFactory portal)
    {
        var (_, key) = await portal.MerchantKeyAsync();
        using var client = portal.ClientWithBearer(key);
        using var created = await client.PostAsJsonAsync("/api/v1/merchants",
            new { business_name = "Backup Ltd", cac_number = Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture), contact_email = "b@backup.example" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (key, (await created.JsonAsync()).GetProperty("merchant_id").GetString()!);
    }

    private static async Task<(HttpStatusCode Status, string? Url)> UploadAsync(HttpClient client, string merchantId, string type, byte[] pdf)
    {
        using var content = new ByteArrayContent(pdf);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var uploaded = await client.PutAsync($"/api/v1/merchants/{merchantId}/documents/{type}", content);
        return (uploaded.StatusCode, uploaded.Headers.Location?.ToString());
    }

    private static byte[] Pdf(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }
}
