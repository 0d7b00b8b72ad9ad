using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;
using CsvHelper.Configuration;

// This file is compiled into the portal and, linked, into tools/AuditExportVerify: the recipient's check needs nothing else.
namespace Portal.Core.Audit.Export;

/// <summary>
/// The audit export format, version 1. Each row carries the event's fields (including its chain hashes) and a running
/// <c>row_digest</c>: d(0) = SHA-256("audit-export/1"), d(n) = SHA-256(d(n-1) || canonical(row n)), so a changed row is
/// named by the first digest that stops matching. The manifest signs the row count, the time range, the first and last
/// chain hash, the last row digest, checkpoints every <see cref="CheckpointEvery"/> rows and the file's SHA-256 with
/// ECDSA P-256 / SHA-256, and carries the public key, whose fingerprint the portal publishes.
/// </summary>
public static class AuditExportFormat
{
    public const string Version = "audit-export/1";
    public const string Algorithm = "ECDSA_P256_SHA256";
    public const int CheckpointEvery = 1000;

    public static readonly string[] Columns =
        ["sequence", "id", "occurred_at", "actor_id", "actor_name", "actor_role", "action", "target", "source_ip", "outcome", "detail", "previous_hash", "hash", "row_digest"];

    public static byte[] InitialDigest() => SHA256.HashData(Encoding.UTF8.GetBytes(Version));

    /// <summary>d(n) from d(n-1) and the row's 13 event fields as written (nulls as empty strings).</summary>
    public static byte[] NextDigest(byte[] previous, IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(fields);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        for (var i = 0; i < 13; i++)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(fields[i]));
            hash.AppendData("\u001f"u8);
        }

        return hash.GetHashAndReset();
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static CsvConfiguration Csv { get; } = new(CultureInfo.InvariantCulture) { NewLine = "\n" };

    /// <summary>The exact bytes the signature covers: every field of the manifest but the signature, one per line, in a fixed order.</summary>
    public static byte[] SignedPayload(AuditExportManifest m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var sb = new StringBuilder();
        void Line(string name, object? value) => sb.Append(name).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "").Append('\n');
        Line("format", m.Format);
        Line("file_name", m.FileName);
        Line("file_format", m.FileFormat);
        Line("file_sha256", m.FileSha256);
        Line("rows", m.Rows);
        Line("filters", m.Filters);
        Line("range_from", m.RangeFrom);
        Line("range_to", m.RangeTo);
        Line("first_event_at", m.FirstEventAt);
        Line("last_event_at", m.LastEventAt);
        Line("first_sequence", m.FirstSequence);
        Line("last_sequence", m.LastSequence);
        Line("first_chain_hash", m.FirstChainHash);
        Line("last_chain_hash", m.LastChainHash);
        Line("last_row_digest", m.LastRowDigest);
        Line("exported_at", m.ExportedAt);
        Line("exported_by", m.ExportedBy);
        Line("key_id", m.KeyId);
        foreach (var c in m.Checkpoints)
        {
            Line("checkpoint", $"{c.Row}:{c.Digest}");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The key id: SHA-256 of the public key (SubjectPublicKeyInfo), hex; what the portal publishes to pin against.</summary>
    public static string KeyId(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));
}

public sealed record AuditExportCheckpoint(long Row, string Digest);

/// <summary>manifest.json of an export.</summary>
public sealed record AuditExportManifest
{
    public string Format { get; init; } = AuditExportFormat.Version;
    public string FileName { get; init; } = "";
    public string FileFormat { get; init; } = "csv";
    public string FileSha256 { get; init; } = "";
    public long Rows { get; init; }
    public string Filters { get; init; } = "";
    public string? RangeFrom { get; init; }
    public string? RangeTo { get; init; }
    public string? FirstEventAt { get; init; }
    public string? LastEventAt { get; init; }
    public long? FirstSequence { get; init; }
    public long? LastSequence { get; init; }
    public string? FirstChainHash { get; init; }
    public string? LastChainHash { get; init; }
    public string LastRowDigest { get; init; } = "";
    public string ExportedAt { get; init; } = "";
    public string? ExportedBy { get; init; }
    public IReadOnlyList<AuditExportCheckpoint> Checkpoints { get; init; } = [];
    public string SignatureAlgorithm { get; init; } = AuditExportFormat.Algorithm;
    public string KeyId { get; init; } = "";

    /// <summary>The public key, PEM (SubjectPublicKeyInfo); check its <see cref="KeyId"/> against the one the portal publishes.</summary>
    public string PublicKey { get; init; } = "";

    /// <summary>Base64 of the IEEE P1363 signature over <see cref="AuditExportFormat.SignedPayload"/>.</summary>
    public string Signature { get; init; } = "";
}

/// <summary>The outcome of an offline check: intact, or the first problem, naming the row (and file line) where there is one.</summary>
public sealed record AuditExportCheck(bool IsValid, long RowsChecked, string? Problem = null, long? Row = null, long? Line = null);

/// <summary>Checks an export against its manifest without the portal: row digests, chain links, counts, file hash, signature.</summary>
public static class AuditExportVerifier
{
    public static AuditExportCheck Verify(Stream export, AuditExportManifest manifest, string? trustedKeyId = null)
    {
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Format != AuditExportFormat.Version)
        {
            return new(false, 0, $"Unknown manifest format '{manifest.Format}'.");
        }

        // 1. The signature: is the manifest the portal's, and unedited?
        using (var ecdsa = ECDsa.Create())
        {
            try
            {
                ecdsa.ImportFromPem(manifest.PublicKey);
            }
            catch (ArgumentException)
            {
                return new(false, 0, "The manifest's public key is not a PEM public key.");
            }

            var keyId = AuditExportFormat.KeyId(ecdsa.ExportSubjectPublicKeyInfo());
            if (!string.Equals(keyId, manifest.KeyId, StringComparison.Ordinal))
            {
                return new(false, 0, "The manifest's key id does not match its public key.");
            }

            if (trustedKeyId is not null && !string.Equals(keyId, trustedKeyId.Trim().ToLowerInvariant(), StringComparison.Ordinal))
            {
                return new(false, 0, $"The manifest was signed with key {keyId}, not the trusted key {trustedKeyId}.");
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(manifest.Signature);
            }
            catch (FormatException)
            {
                return new(false, 0, "The manifest's signature is not base64.");
            }

            if (!ecdsa.VerifyData(AuditExportFormat.SignedPayload(manifest), signature, HashAlgorithmName.SHA256))
            {
                return new(false, 0, "The manifest's signature does not verify: the manifest was changed or not signed by this key.");
            }
        }

        // 2. The rows: each digest, each chain link between consecutive events, the checkpoints.
        using var hashing = new HashingReadStream(export);
        var checkpoints = manifest.Checkpoints.ToDictionary(c => c.Row, c => c.Digest);
        var digest = AuditExportFormat.InitialDigest();
        long row = 0;
        long? previousSequence = null;
        string? previousHash = null;
        string? firstHash = null;
        string? lastHash = null;
        long? firstSequence = null;
        long? lastSequence = null;
        foreach (var (fields, line) in Rows(hashing, manifest.FileFormat))
        {
            row++;
            if (fields is null)
            {
                return new(false, row - 1, $"Row {row} (line {line}) is not a well-formed {manifest.FileFormat} row.", row, line);
            }

            digest = AuditExportFormat.NextDigest(digest, fields);
            var hex = Convert.ToHexStringLower(digest);
            if (!string.Equals(hex, fields[13], StringComparison.Ordinal))
            {
                return new(false, row - 1, $"Row {row} (line {line}) was changed: its content does not match its row digest.", row, line);
            }

            if (checkpoints.TryGetValue(row, out var expected) && !string.Equals(expected, hex, StringComparison.Ordinal))
            {
                var from = Math.Max(1, row - AuditExportFormat.CheckpointEvery + 1);
                return new(false, row - 1, $"A row between row {from} and row {row} was changed and the row digests recomputed: checkpoint {row} does not match the signed manifest.", row, line);
            }

            if (!long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                return new(false, row - 1, $"Row {row} (line {line}) has no valid sequence number.", row, line);
            }

            if (previousSequence is { } ps)
            {
                if (sequence <= ps)
                {
                    return new(false, row - 1, $"Row {row} (line {line}) is out of order (event {sequence} after event {ps}).", row, line);
                }

                if (sequence == ps + 1 && !string.Equals(fields[11], previousHash, StringComparison.Ordinal))
                {
                    return new(false, row - 1, $"Row {row} (line {line}) does not link to the row before it: event {sequence}'s previous hash is not event {ps}'s hash.", row, line);
                }
            }

            firstSequence ??= sequence;
            firstHash ??= fields[12];
            previousSequence = lastSequence = sequence;
            previousHash = lastHash = fields[12];
        }

        // 3. Completeness: as many rows as signed, ending where the manifest says.
        if (row != manifest.Rows)
        {
            return new(false, row, row < manifest.Rows
                ? $"The export has {row} rows but the manifest signs {manifest.Rows}: rows {row + 1} to {manifest.Rows} are missing."
                : $"The export has {row} rows but the manifest signs {manifest.Rows}: rows were added after row {manifest.Rows}.", Math.Min(row, manifest.Rows) + 1);
        }

        if (!string.Equals(Convert.ToHexStringLower(digest), manifest.LastRowDigest, StringComparison.Ordinal))
        {
            return new(false, row, "The rows' digests were recomputed after a change: the last row digest does not match the signed manifest.");
        }

        if (firstSequence != manifest.FirstSequence || lastSequence != manifest.LastSequence || firstHash != manifest.FirstChainHash || lastHash != manifest.LastChainHash)
        {
            return new(false, row, "The first or last event of the export is not the one the manifest signs.");
        }

        var fileHash = hashing.Finish();
        if (!string.Equals(fileHash, manifest.FileSha256, StringComparison.Ordinal))
        {
            return new(false, row, "The file's SHA-256 does not match the signed manifest (its rows verify, so the change is in formatting or trailing data).");
        }

        return new(true, row);
    }

    /// <summary>Each data row's 14 fields (null for a malformed row) with the file line it starts on.</summary>
    private static IEnumerable<(string[]? Fields, long Line)> Rows(Stream stream, string format)
    {
        using var text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        if (format == "jsonl")
        {
            long line = 0;
            while (text.ReadLine() is { } l)
            {
                line++;
                if (l.Length == 0)
                {
                    continue;
                }

                string[]? fields;
                try
                {
                    using var doc = JsonDocument.Parse(l);
                    fields = new string[14];
                    for (var i = 0; i < 14; i++)
                    {
                        fields[i] = doc.RootElement.TryGetProperty(AuditExportFormat.Columns[i], out var p)
                            ? p.ValueKind switch { JsonValueKind.Null => "", JsonValueKind.String => p.GetString()!, _ => p.GetRawText() }
                            : "";
                    }
                }
                catch (JsonException)
                {
                    fields = null;
                }

                yield return (fields, line);
            }

            yield break;
        }

        using var csv = new CsvReader(text, AuditExportFormat.Csv);
        if (!csv.Read() || !csv.ReadHeader())
        {
            yield break;
        }

        while (csv.Read())
        {
            var line = (long)csv.Parser.RawRow;
            if (csv.Parser.Count != 14)
            {
                yield return (null, line);
                continue;
            }

            var fields = new string[14];
            for (var i = 0; i < 14; i++)
            {
                fields[i] = csv.GetField(i) ?? "";
            }

            yield return (fields, line);
        }
    }

    /// <summary>Hashes what is read through it, so the file is read once.</summary>
    private sealed class HashingReadStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string Finish()
        {
            // Whatever the parser left unread (trailing data) counts too.
            var buffer = new byte[1 << 16];
            int n;
            while ((n = inner.Read(buffer, 0, buffer.Length)) > 0)
            {
                _hash.AppendData(buffer, 0, n);
            }

            return Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            _hash.AppendData(buffer, offset, n);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
