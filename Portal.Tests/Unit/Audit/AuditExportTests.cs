using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Audit.Export;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Audit;

/// <summary>The explorer's filters and keyset pages, the streamed export, its signed manifest and the offline check.</summary>
public sealed class AuditExportTests : IAsyncLifetime
{
    private static readonly Actor Ada = new("u-ada", "ada@portal.example", Roles.Admin, null, "10.0.0.1");
    private static readonly Actor Bola = new("u-bola", "bola@portal.example", Roles.Admin, null, "10.0.0.2");
    private static readonly Actor Chi = new("u-chi", "chi@portal.example", Roles.Compliance, null, "10.0.0.3");
    private readonly EmbeddedTestBed _bed = new("audit-export");
    private AuditExporter _exporter = default!;
    private AuditExportSigner _signer = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _signer = new AuditExportSigner(_bed.Keys);
        _exporter = new AuditExporter(_bed.Audit, _signer, _bed.Clock);
        // 3 actors x a mix of actions and targets over ten days: every 3 hours, one event of each actor (written together, one commit).
        for (var step = 0; step < 80; step++)
        {
            var writes = new List<Task>();
            foreach (var (actor, k) in new[] { (Ada, 0), (Bola, 1), (Chi, 2) })
            {
                var i = step * 3 + k;
                var action = ((step + k) % 4) switch
                {
                    0 => AuditActions.MerchantApproved,
                    1 => AuditActions.MerchantRejected,
                    2 => AuditActions.KycDocumentViewed,
                    _ => AuditActions.SignIn,
                };
                var target = action == AuditActions.SignIn ? $"user:{i}" : action == AuditActions.KycDocumentViewed ? $"mer_{i:x32}/CacCertificate" : $"mer_{i:x32}";
                var detail = action == AuditActions.SignIn && i % 5 == 0 ? "note with, a comma and \"quotes\"\nand a second line"
                    : action == AuditActions.KycDocumentViewed ? "a, \"quoted\" note" : null;
                writes.Add(_bed.Audit.AppendAsync(actor, new AuditEntry(action, i % 7 == 0 ? AuditOutcome.Denied : AuditOutcome.Success, target, detail), Ct));
            }

            await Task.WhenAll(writes);
            _bed.Clock.Advance(TimeSpan.FromHours(3));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _signer.Dispose();
        await _bed.DisposeAsync();
    }

    private static AuditFilter AdaKycLastWeek(DateTimeOffset now) => new(Actor: Ada.UserId, Area: "merchant", From: now.AddDays(-7));

    private async Task<List<AuditEvent>> ExplorerPagesAsync(AuditFilter filter)
    {
        var shown = new List<AuditEvent>();
        long? before = null;
        do
        {
            var page = await _bed.Audit.QueryAsync(filter.ToQuery(25, before), Ct);
            shown.AddRange(page.Events);
            before = page.NextBeforeSequence;
        }
        while (before is not null);

        return shown;
    }

    private async Task<(byte[] File, AuditExportManifest Manifest)> ExportAsync(AuditFilter filter, AuditExportFileFormat format)
    {
        using var output = new MemoryStream();
        var manifest = await _exporter.WriteAsync(output, filter, format, Chi, "export." + (format == AuditExportFileFormat.Csv ? "csv" : "jsonl"), null, Ct);
        return (output.ToArray(), manifest);
    }

    [Fact]
    public async Task Explorer_filters_combine_and_keyset_pages_cover_every_match_once_newest_first()
    {
        var filter = AdaKycLastWeek(_bed.Clock.GetUtcNow());

        var shown = await ExplorerPagesAsync(filter);

        shown.Count.ShouldBeGreaterThan(25); // more than one page
        shown.Select(e => e.Sequence).ShouldBe(shown.Select(e => e.Sequence).OrderDescending());
        shown.Select(e => e.Sequence).Distinct().Count().ShouldBe(shown.Count);
        shown.ShouldAllBe(e => e.ActorId == Ada.UserId && e.Action.StartsWith("merchant.") && e.OccurredAt >= filter.From);
        var all = await ExplorerPagesAsync(new AuditFilter());
        shown.Count.ShouldBe(all.Count(filter.Matches));
    }

    [Theory]
    [InlineData("role", "Compliance")]
    [InlineData("outcome", "denied")]
    [InlineData("source_ip", "10.0.0.2")]
    [InlineData("target_type", "merchant")]
    [InlineData("action", "kyc.document_viewed")]
    [InlineData("actor", "bola@portal.example")]
    public async Task Each_filter_selects_exactly_the_matching_events(string name, string value)
    {
        var filter = AuditFilter.Parse(n => n == name ? value : null).Value!;

        var shown = await ExplorerPagesAsync(filter);

        shown.ShouldNotBeEmpty();
        var all = await ExplorerPagesAsync(new AuditFilter());
        shown.Select(e => e.Sequence).ShouldBe(all.Where(filter.Matches).Select(e => e.Sequence));
        shown.Count.ShouldBeLessThan(all.Count);
    }

    [Theory]
    [InlineData("role", "Root")]
    [InlineData("outcome", "ok")]
    [InlineData("source_ip", "10.0.0.999")]
    [InlineData("target_type", "galaxy")]
    [InlineData("action", "DROP TABLE")]
    [InlineData("from", "yesterday")]
    [InlineData("from", "２０２６-11-25")]
    public void A_bad_filter_is_a_validation_error_naming_it(string name, string value)
    {
        var parsed = AuditFilter.Parse(n => n == name ? value : null);

        parsed.Succeeded.ShouldBeFalse();
        parsed.Error.Fields!.Keys.ShouldContain(name);
    }

    [Fact]
    public void Filters_round_trip_through_the_query_string()
    {
        var filter = new AuditFilter("u-ada", Roles.Admin, null, "kyc", AuditTargets.Document, AuditOutcome.Denied, "10.0.0.1",
            new DateTimeOffset(2026, 11, 18, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var pairs = System.Web.HttpUtility.ParseQueryString(filter.ToQueryString());

        AuditFilter.Parse(n => pairs[n]).Value.ShouldBe(filter);
    }

    [Fact]
    public void A_cursor_is_refused_when_forged_altered_or_used_with_other_filters()
    {
        var cursors = new AuditCursor(_bed.Keys);
        var filter = new AuditFilter(Area: "kyc");
        var cursor = cursors.Encode(42, filter);

        cursors.Decode(cursor, filter).ShouldBe(42);
        cursors.Decode(cursor, filter with { Area = "auth" }).ShouldBeNull();
        cursors.Decode("eyJQIjp7IkJlZm9yZSI6OTk5fSwiRiI6ImFyZWE9a3ljIn0.AAAA", filter).ShouldBeNull();
        cursors.Decode(cursor[..^2] + (cursor[^2] == 'A' ? "BA" : "AA"), filter).ShouldBeNull();
    }

    [Theory]
    [InlineData(AuditExportFileFormat.Csv)]
    [InlineData(AuditExportFileFormat.JsonLines)]
    public async Task An_export_of_a_filtered_range_has_exactly_the_rows_the_explorer_shows_and_verifies(AuditExportFileFormat format)
    {
        var filter = AdaKycLastWeek(_bed.Clock.GetUtcNow());
        var shown = await ExplorerPagesAsync(filter);

        var (file, manifest) = await ExportAsync(filter, format);

        manifest.Rows.ShouldBe(shown.Count);
        manifest.FirstSequence.ShouldBe(shown[^1].Sequence);
        manifest.LastSequence.ShouldBe(shown[0].Sequence);
        manifest.FirstChainHash.ShouldBe(shown[^1].Hash);
        manifest.LastChainHash.ShouldBe(shown[0].Hash);
        var check = AuditExportVerifier.Verify(new MemoryStream(file), manifest, _signer.KeyId);
        check.IsValid.ShouldBeTrue(check.Problem);
        check.RowsChecked.ShouldBe(shown.Count);
        var exported = (await _bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.AuditExported, Limit: 5), Ct)).Events;
        exported.ShouldContain(e => e.ActorId == Chi.UserId && e.Detail!.Contains($"rows={shown.Count}"));
    }

    [Theory]
    [InlineData(AuditExportFileFormat.Csv)]
    [InlineData(AuditExportFileFormat.JsonLines)]
    public async Task Editing_one_exported_line_fails_the_offline_check_naming_the_line(AuditExportFileFormat format)
    {
        var (file, manifest) = await ExportAsync(new AuditFilter(Area: "kyc"), format);
        var lines = Encoding.UTF8.GetString(file).Split('\n');
        // JSON Lines: line n is row n. CSV: line 1 is the header; no row of this filter spans lines.
        var rowToEdit = 7;
        var lineIndex = format == AuditExportFileFormat.Csv ? rowToEdit : rowToEdit - 1;
        lines[lineIndex] = lines[lineIndex].Replace("10.0.0.", "10.9.9.", StringComparison.Ordinal);
        lines[lineIndex].ShouldContain("10.9.9.");

        var check = AuditExportVerifier.Verify(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))), manifest);

        check.IsValid.ShouldBeFalse();
        check.Row.ShouldBe(rowToEdit);
        check.Line.ShouldBe(lineIndex + 1);
        check.Problem!.ShouldContain($"Row {rowToEdit} (line {lineIndex + 1}) was changed");
    }

    [Fact]
    public async Task A_removed_last_row_or_an_edited_manifest_fails_the_check()
    {
        var (file, manifest) = await ExportAsync(new AuditFilter(Area: "auth"), AuditExportFileFormat.JsonLines);
        var lines = Encoding.UTF8.GetString(file).TrimEnd('\n').Split('\n');
        var truncated = Encoding.UTF8.GetBytes(string.Join('\n', lines[..^1]) + "\n");

        var cut = AuditExportVerifier.Verify(new MemoryStream(truncated), manifest);
        var edited = AuditExportVerifier.Verify(new MemoryStream(file), manifest with { Rows = manifest.Rows - 1 });
        var otherKey = AuditExportVerifier.Verify(new MemoryStream(file), manifest, trustedKeyId: new string('a', 64));

        cut.IsValid.ShouldBeFalse();
        cut.Problem!.ShouldContain($"rows {manifest.Rows} to {manifest.Rows} are missing");
        edited.IsValid.ShouldBeFalse();
        edited.Problem!.ShouldContain("signature does not verify");
        otherKey.IsValid.ShouldBeFalse();
        otherKey.Problem!.ShouldContain("not the trusted key");
    }

    [Fact]
    public async Task Recomputed_row_digests_are_caught_by_the_signed_checkpoints()
    {
        // 1,000+ rows so a checkpoint exists; the attacker edits row 10 and recomputes every digest after it.
        var (file, manifest) = await ExportAsync(new AuditFilter(), AuditExportFileFormat.JsonLines);
        manifest.Rows.ShouldBeGreaterThanOrEqualTo(240);
        var forged = new StringBuilder();
        var digest = AuditExportFormat.InitialDigest();
        var row = 0;
        foreach (var line in Encoding.UTF8.GetString(file).TrimEnd('\n').Split('\n'))
        {
            row++;
            var o = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            if (row == 10)
            {
                o["source_ip"] = "192.0.2.66";
            }

            var fields = AuditExportFormat.Columns.Take(13).Select(c => o[c] is { } v ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : "").ToArray();
            digest = AuditExportFormat.NextDigest(digest, fields);
            o["row_digest"] = Convert.ToHexStringLower(digest);
            forged.Append(o.ToJsonString()).Append('\n');
        }

        var check = AuditExportVerifier.Verify(new MemoryStream(Encoding.UTF8.GetBytes(forged.ToString())), manifest);

        check.IsValid.ShouldBeFalse();
        check.Problem!.ShouldContain(manifest.Rows >= AuditExportFormat.CheckpointEvery ? "checkpoint" : "last row digest");
    }

    [Fact]
    public async Task The_zip_holds_the_export_and_its_manifest_and_the_offline_tool_checks_it()
    {
        var path = _bed.PathOf("export.zip");
        await using (var zipFile = File.Create(path))
        {
            await _exporter.WriteZipAsync(zipFile, new AuditFilter(Area: "merchant"), AuditExportFileFormat.Csv, Chi, cancellationToken: Ct);
        }

        using (var zip = ZipFile.OpenRead(path))
        {
            zip.Entries.Select(e => e.Name).ShouldContain("manifest.json");
            zip.Entries.Count.ShouldBe(2);
        }

        var (ok, okOutput) = await RunToolAsync(path, "--key-id", _signer.KeyId);
        ok.ShouldBe(0, okOutput);
        okOutput.ShouldContain("OK:");

        // Edit one row inside the zip: the tool fails and names it.
        var tampered = _bed.PathOf("tampered.zip");
        File.Copy(path, tampered);
        using (var zip = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.Name != "manifest.json");
            string text;
            using (var reader = new StreamReader(entry.Open()))
            {
                text = await reader.ReadToEndAsync(Ct);
            }

            var lines = text.Split('\n');
            lines[3] = lines[3].Replace("10.0.0.", "10.9.9.", StringComparison.Ordinal);
            entry.Delete();
            var replaced = zip.CreateEntry(entry.FullName);
            await using var writer = new StreamWriter(replaced.Open());
            await writer.WriteAsync(string.Join('\n', lines));
        }

        var (bad, badOutput) = await RunToolAsync(tampered);
        bad.ShouldBe(1, badOutput);
        badOutput.ShouldContain("(line 4) was changed");
    }

    private static async Task<(int ExitCode, string Output)> RunToolAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "tools", "AuditExportVerify", "bin", "Release", "net10.0", "AuditExportVerify.dll");
        File.Exists(dll).ShouldBeTrue($"build the solution first: {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, output);
    }
}
