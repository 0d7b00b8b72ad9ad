using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Portal.Core.Security;

namespace Portal.Core.Audit.Export;

public enum AuditExportFileFormat
{
    Csv,
    JsonLines,
}

/// <summary>The export signing key: ECDSA P-256 derived from the key ring, so every instance signs with the same key and only its public half leaves the portal.</summary>
public sealed class AuditExportSigner : IDisposable
{
    private readonly ECDsa _key;

    public AuditExportSigner(IKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        // A P-256 private scalar from 32 derived bytes; the tiny chance of a value outside [1, n-1] moves to the next derivation.
        for (var attempt = 0; ; attempt++)
        {
            var d = keys.DeriveKey(attempt == 0 ? "audit-export-signing" : $"audit-export-signing:{attempt}");
            try
            {
                _key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d[..32] });
                break;
            }
            catch (CryptographicException) when (attempt < 8)
            {
            }
        }

        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
        KeyId = AuditExportFormat.KeyId(_key.ExportSubjectPublicKeyInfo());
    }

    public string PublicKeyPem { get; }

    public string KeyId { get; }

    public AuditExportManifest Sign(AuditExportManifest manifest)
    {
        var m = manifest with { KeyId = KeyId, PublicKey = PublicKeyPem, SignatureAlgorithm = AuditExportFormat.Algorithm, Signature = "" };
        return m with { Signature = Convert.ToBase64String(_key.SignData(AuditExportFormat.SignedPayload(m), HashAlgorithmName.SHA256)) };
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>
/// Streams a filtered range of the audit log as CSV or JSON Lines: events are read in keyset pages and written straight
/// out, so memory stays flat however many rows; the manifest is built on the way and signed at the end. The export is
/// itself an audit event.
/// </summary>
public sealed class AuditExporter(AuditService audit, AuditExportSigner signer, TimeProvider clock)
{
    public static string FileNameOf(AuditExportFileFormat format, DateTimeOffset at) =>
        $"audit-{at.UtcDateTime:yyyyMMdd-HHmmss}.{(format == AuditExportFileFormat.Csv ? "csv" : "jsonl")}";

    /// <summary>Writes the rows to <paramref name="output"/> and returns the signed manifest. <paramref name="progress"/> receives the rows written so far.</summary>
    public async Task<AuditExportManifest> WriteAsync(Stream output, AuditFilter filter, AuditExportFileFormat format, Actor actor, string fileName,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(actor);
        var now = clock.GetUtcNow();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var hashed = new HashingWriteStream(output, sha);
        var digest = AuditExportFormat.InitialDigest();
        var checkpoints = new List<AuditExportCheckpoint>();
        long rows = 0;
        AuditEvent? first = null;
        AuditEvent? last = null;
        var fields = new string[14];
        await using (var text = new StreamWriter(hashed, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
        {
            CsvWriter? csv = null;
            if (format == AuditExportFileFormat.Csv)
            {
                csv = new CsvWriter(text, AuditExportFormat.Csv, leaveOpen: true);
                foreach (var c in AuditExportFormat.Columns)
                {
                    csv.WriteField(c);
                }

                await csv.NextRecordAsync();
            }

            var json = format == AuditExportFileFormat.JsonLines ? new JsonLineWriter(text) : null;
            await foreach (var e in audit.ReadAllAsync(filter.ToQuery(), 5000, cancellationToken))
            {
                Fill(fields, e);
                digest = AuditExportFormat.NextDigest(digest, fields);
                fields[13] = Convert.ToHexStringLower(digest);
                rows++;
                first ??= e;
                last = e;
                if (rows % AuditExportFormat.CheckpointEvery == 0)
                {
                    checkpoints.Add(new AuditExportCheckpoint(rows, fields[13]));
                }

                if (csv is not null)
                {
                    for (var i = 0; i < 14; i++)
                    {
                        csv.WriteField(fields[i]);
                    }

                    csv.NextRecord();
                }
                else
                {
                    json!.Write(fields);
                }

                if (rows % 5000 == 0)
                {
                    progress?.Report(rows);
                    await text.FlushAsync(cancellationToken);
                }
            }

            if (csv is not null)
            {
                await csv.FlushAsync();
                await csv.DisposeAsync();
            }
        }

        progress?.Report(rows);
        var manifest = signer.Sign(new AuditExportManifest
        {
            FileName = fileName,
            FileFormat = format == AuditExportFileFormat.Csv ? "csv" : "jsonl",
            FileSha256 = Convert.ToHexStringLower(sha.GetHashAndReset()),
            Rows = rows,
            Filters = filter.ToQueryString(),
            RangeFrom = filter.From is { } f ? AuditExportFormat.Time(f) : null,
            RangeTo = filter.To is { } t ? AuditExportFormat.Time(t) : null,
            FirstEventAt = first is null ? null : AuditExportFormat.Time(first.OccurredAt),
            LastEventAt = last is null ? null : AuditExportFormat.Time(last.OccurredAt),
            FirstSequence = first?.Sequence,
            LastSequence = last?.Sequence,
            FirstChainHash = first?.Hash,
            LastChainHash = last?.Hash,
            LastRowDigest = Convert.ToHexStringLower(digest),
            ExportedAt = AuditExportFormat.Time(now),
            ExportedBy = actor.Name ?? actor.UserId,
            Checkpoints = checkpoints,
        });
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.AuditExported, AuditOutcome.Success, "audit_log",
            $"{manifest.FileFormat} rows={rows} {manifest.Filters} last_row_digest={manifest.LastRowDigest}".Trim()), CancellationToken.None);
        return manifest;
    }

    /// <summary>A zip of the export and its manifest.json, written as a stream (the zip's entries use data descriptors, nothing is buffered whole).</summary>
    public async Task<AuditExportManifest> WriteZipAsync(Stream output, AuditFilter filter, AuditExportFileFormat format, Actor actor,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var fileName = FileNameOf(format, clock.GetUtcNow());
        AuditExportManifest manifest;
        // The zip writes synchronously: callers streaming to an HTTP response allow synchronous IO for that request.
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry(fileName, CompressionLevel.Fastest).Open())
            {
                manifest = await WriteAsync(entry, filter, format, actor, fileName, progress, cancellationToken);
            }

            using var m = zip.CreateEntry("manifest.json", CompressionLevel.Fastest).Open();
            JsonSerializer.Serialize(m, manifest, AuditExportFormat.Json);
        }

        return manifest;
    }

    private static void Fill(string[] f, AuditEvent e)
    {
        f[0] = e.Sequence.ToString(CultureInfo.InvariantCulture);
        f[1] = e.Id.ToString();
        f[2] = AuditExportFormat.Time(e.OccurredAt);
        f[3] = e.ActorId ?? "";
        f[4] = e.ActorName ?? "";
        f[5] = e.ActorRole ?? "";
        f[6] = e.Action;
        f[7] = e.Target ?? "";
        f[8] = e.SourceIp ?? "";
        f[9] = e.Outcome.ToString().ToLowerInvariant();
        f[10] = e.Detail ?? "";
        f[11] = e.PreviousHash;
        f[12] = e.Hash;
    }

    /// <summary>One JSON object per line, the sequence as a number and every other field a string.</summary>
    private sealed class JsonLineWriter(TextWriter text)
    {
        private readonly ArrayBufferWriterLite _buffer = new();

        public void Write(string[] fields)
        {
            _buffer.Clear();
            using (var w = new Utf8JsonWriter(_buffer))
            {
                w.WriteStartObject();
                w.WriteNumber(AuditExportFormat.Columns[0], long.Parse(fields[0], CultureInfo.InvariantCulture));
                for (var i = 1; i < 14; i++)
                {
                    w.WriteString(AuditExportFormat.Columns[i], fields[i]);
                }

                w.WriteEndObject();
            }

            text.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            text.Write('\n');
        }
    }

    private sealed class ArrayBufferWriterLite : System.Buffers.IBufferWriter<byte>
    {
        private byte[] _array = new byte[4096];
        private int _count;

        public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _count);

        public void Clear() => _count = 0;

        public void Advance(int count) => _count += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(_count);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(_count);
        }

        private void Ensure(int sizeHint)
        {
            if (_array.Length - _count < Math.Max(sizeHint, 256))
            {
                Array.Resize(ref _array, Math.Max(_array.Length * 2, _count + Math.Max(sizeHint, 256)));
            }
        }
    }

    private sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
