using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
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
    /// <summary>Events per keyset page: the log's largest, so a million rows are 100 queries.</summary>
    private const int PageSize = 10_000;

    /// <summary>Rows between progress reports; the output is flushed with each, so a downloading browser sees it move.</summary>
    private const int ProgressEvery = 5000;

    /// <summary>Rows are gathered into writes of about this size.</summary>
    private const int WriteAtBytes = 1 << 16;

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
        var checkpoints = new List<AuditExportCheckpoint>();
        long rows = 0;
        AuditEvent? first = null;
        AuditEvent? last = null;
        using var writer = new AuditExportRowWriter(format);
        await foreach (var e in audit.ReadAllAsync(filter.ToQuery(), PageSize, cancellationToken))
        {
            writer.Write(e);
            rows++;
            first ??= e;
            last = e;
            if (rows % AuditExportFormat.CheckpointEvery == 0)
            {
                checkpoints.Add(new AuditExportCheckpoint(rows, writer.DigestHex));
            }

            if (rows % ProgressEvery == 0)
            {
                await writer.DrainAsync(hashed, cancellationToken);
                await hashed.FlushAsync(cancellationToken);
                progress?.Report(rows);
            }
            else if (writer.Pending >= WriteAtBytes)
            {
                await writer.DrainAsync(hashed, cancellationToken);
            }
        }

        await writer.DrainAsync(hashed, cancellationToken);
        await hashed.FlushAsync(cancellationToken);
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
            LastRowDigest = writer.DigestHex,
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
