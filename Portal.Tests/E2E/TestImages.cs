using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Portal.Tests.E2E;

/// <summary>Small real files for upload journeys: a PNG that a browser renders (a mock ID card) and a minimal PDF.</summary>
internal static class TestImages
{
    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }

        return c;
    }).ToArray();

    /// <summary>A 480×300 RGB PNG drawn like an identity card: header band, photo box, text lines.</summary>
    public static byte[] IdCardPng(byte accent = 0x2E)
    {
        const int width = 480, height = 300;
        var raw = new byte[height * (1 + width * 3)];
        for (var y = 0; y < height; y++)
        {
            var row = y * (1 + width * 3);
            raw[row] = 0; // filter: none
            for (var x = 0; x < width; x++)
            {
                (byte r, byte g, byte b) px = (0xF4, 0xF6, 0xFA);
                if (y < 56)
                {
                    px = (0x1E, accent, 0x8C);
                }
                else if (x is >= 24 and < 144 && y is >= 80 and < 230)
                {
                    px = (0xC9, 0xCF, 0xD8);
                }
                else if (x is >= 168 and < 440 && (y - 90) % 34 is >= 0 and < 12 && y is >= 90 and < 240)
                {
                    px = (0x9A, 0xA3, 0xB0);
                }

                if (x < 3 || y < 3 || x >= width - 3 || y >= height - 3)
                {
                    px = (0x7A, 0x85, 0x94);
                }

                raw[row + 1 + x * 3] = px.r;
                raw[row + 2 + x * 3] = px.g;
                raw[row + 3 + x * 3] = px.b;
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(raw);
            }

            Chunk(png, "IDAT", compressed.ToArray());
        }

        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A PDF as far as the intake is concerned (magic bytes), with distinct content.</summary>
    public static byte[] Pdf(string text) => Encoding.ASCII.GetBytes($"%PDF-1.4\n% {text}\n" + new string('x', 2000) + "\n%%EOF\n");

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typeAndData);
        var crc = 0xFFFFFFFFu;
        foreach (var b in typeAndData)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        var crcBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc ^ 0xFFFFFFFFu);
        output.Write(crcBytes);
    }
}
