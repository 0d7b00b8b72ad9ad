using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portal.Core.Audit.Export;

/// <summary>
/// Turns events into export rows as UTF-8 bytes. Each event's 13 fields are encoded once, into one reused buffer laid out
/// as the row digest's input (previous digest, then each field followed by 0x1F), hashed with one call, and copied from
/// there into CSV or JSON Lines. Nothing is allocated per row (no field strings, hash objects or writers), so an export
/// costs little beyond reading the events. The output is the format <see cref="AuditExportVerifier"/> reads: CSV quoted as
/// RFC 4180 (a field with a comma, quote, CR or LF, or a leading or trailing space, is quoted), JSON Lines written by
/// <see cref="Utf8JsonWriter"/> with its default escaping.
/// </summary>
internal sealed class AuditExportRowWriter : IDisposable
{
    private const int EventFields = 13;
    private const int DigestBytes = 32;
    private static readonly SearchValues<byte> CsvSpecial = SearchValues.Create(",\"\r\n"u8);
    private static readonly JsonEncodedText[] Names = [.. AuditExportFormat.Columns.Select(c => JsonEncodedText.Encode(c))];

    // Indexed by the enum's value: the outcome as the export spells it (lower case), encoded once.
    private static readonly byte[][] Outcomes = [.. Enum.GetValues<AuditOutcome>().OrderBy(o => (int)o).Select(o => Encoding.UTF8.GetBytes(o.ToString().ToLowerInvariant()))];

    private readonly AuditExportFileFormat _format;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 17);
    private readonly Utf8JsonWriter? _json;
    private readonly (int Start, int Length)[] _fields = new (int, int)[EventFields];
    private readonly byte[] _digest = new byte[DigestBytes];
    private readonly byte[] _hex = new byte[DigestBytes * 2];
    private byte[] _canonical = new byte[4096];
    private int _length;

    public AuditExportRowWriter(AuditExportFileFormat format)
    {
        _format = format;
        AuditExportFormat.InitialDigest().CopyTo(_digest, 0);
        if (format == AuditExportFileFormat.JsonLines)
        {
            _json = new Utf8JsonWriter(_output);
        }
        else
        {
            for (var i = 0; i < Names.Length; i++)
            {
                if (i > 0)
                {
                    _output.Write(","u8);
                }

                _output.Write(Names[i].EncodedUtf8Bytes);
            }

            _output.Write("\n"u8);
        }
    }

    /// <summary>The bytes written and not yet handed on by <see cref="DrainAsync"/>.</summary>
    public int Pending => _output.WrittenCount;

    /// <summary>The current row digest, d(n) after n rows.</summary>
    public string DigestHex => Convert.ToHexStringLower(_digest);

    /// <summary>Appends one event's row and advances the digest.</summary>
    public void Write(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        _digest.CopyTo(_canonical, 0);
        _length = DigestBytes;
        Formatted(0, e.Sequence, default);
        Formatted(1, e.Id, default);
        Formatted(2, e.OccurredAt.UtcDateTime, "yyyy-MM-ddTHH:mm:ss.fffZ"); // as AuditExportFormat.Time
        Text(3, e.ActorId);
        Text(4, e.ActorName);
        Text(5, e.ActorRole);
        Text(6, e.Action);
        Text(7, e.Target);
        Text(8, e.SourceIp);
        Bytes(9, Outcomes[(int)e.Outcome]);
        Text(10, e.Detail);
        Text(11, e.PreviousHash);
        Text(12, e.Hash);
        SHA256.HashData(_canonical.AsSpan(0, _length), _digest);
        Hex(_digest, _hex);
        if (_json is null)
        {
            WriteCsvRow();
        }
        else
        {
            WriteJsonRow(e.Sequence);
        }
    }

    /// <summary>Hands the pending bytes to <paramref name="output"/> and empties the buffer.</summary>
    public async ValueTask DrainAsync(Stream output, CancellationToken cancellationToken)
    {
        await output.WriteAsync(_output.WrittenMemory, cancellationToken);
        _output.ResetWrittenCount();
    }

    public void Dispose() => _json?.Dispose();

    private void WriteCsvRow()
    {
        for (var i = 0; i < EventFields; i++)
        {
            var field = Field(i);
            if (field.Length > 0 && (field[0] == (byte)' ' || field[^1] == (byte)' ' || field.IndexOfAny(CsvSpecial) >= 0))
            {
                WriteQuoted(field);
            }
            else
            {
                _output.Write(field);
            }

            _output.Write(","u8);
        }

        _output.Write(_hex);
        _output.Write("\n"u8);
    }

    private void WriteQuoted(ReadOnlySpan<byte> field)
    {
        _output.Write("\""u8);
        int quote;
        while ((quote = field.IndexOf((byte)'"')) >= 0)
        {
            _output.Write(field[..(quote + 1)]);
            _output.Write("\""u8);
            field = field[(quote + 1)..];
        }

        _output.Write(field);
        _output.Write("\""u8);
    }

    private void WriteJsonRow(long sequence)
    {
        var json = _json!;
        json.Reset(_output);
        json.WriteStartObject();
        json.WriteNumber(Names[0], sequence);
        for (var i = 1; i < EventFields; i++)
        {
            json.WriteString(Names[i], Field(i));
        }

        json.WriteString(Names[EventFields], _hex);
        json.WriteEndObject();
        json.Flush();
        _output.Write("\n"u8);
    }

    private ReadOnlySpan<byte> Field(int i) => _canonical.AsSpan(_fields[i].Start, _fields[i].Length);

    private void Text(int i, string? value)
    {
        var text = (value ?? "").AsSpan();
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        End(i, Encoding.UTF8.GetBytes(text, _canonical.AsSpan(_length)));
    }

    private void Bytes(int i, ReadOnlySpan<byte> utf8)
    {
        Ensure(utf8.Length);
        utf8.CopyTo(_canonical.AsSpan(_length));
        End(i, utf8.Length);
    }

    private void Formatted<T>(int i, T value, ReadOnlySpan<char> format)
        where T : IUtf8SpanFormattable
    {
        Ensure(64);
        if (!value.TryFormat(_canonical.AsSpan(_length), out var written, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"Field {i} did not fit 64 bytes.");
        }

        End(i, written);
    }

    /// <summary>Records field <paramref name="i"/> as the <paramref name="written"/> bytes at the end, then the separator the digest covers.</summary>
    private void End(int i, int written)
    {
        _fields[i] = (_length, written);
        _length += written;
        _canonical[_length++] = 0x1F;
    }

    /// <summary>Room for <paramref name="bytes"/> more plus the separator.</summary>
    private void Ensure(int bytes)
    {
        if (_canonical.Length - _length < bytes + 1)
        {
            Array.Resize(ref _canonical, Math.Max(_canonical.Length * 2, _length + bytes + 1));
        }
    }

    private static void Hex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        var digits = "0123456789abcdef"u8;
        for (var i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = digits[bytes[i] >> 4];
            hex[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }
    }
}
