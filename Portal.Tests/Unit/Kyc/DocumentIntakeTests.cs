using System.Security.Cryptography;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Kyc;

namespace Portal.Tests.Unit.Kyc;

public sealed class DocumentIntakeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-intake", Guid.NewGuid().ToString("N"));

    private static byte[] File(byte[] signature, int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        signature.CopyTo(bytes, 0);
        return bytes;
    }

    public static TheoryData<byte[], DocumentFormat> Signatures() => new()
    {
        { "%PDF-1.7\n"u8.ToArray(), DocumentFormat.Pdf },
        { new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, DocumentFormat.Jpeg },
        { new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, DocumentFormat.Png },
    };

    [Theory]
    [MemberData(nameof(Signatures))]
    public async Task Pdf_jpeg_and_png_are_recognised_by_their_first_bytes(byte[] signature, DocumentFormat expected)
    {
        var bytes = File(signature, 5000);
        await using var intake = (await DocumentIntake.OpenAsync(new MemoryStream(bytes), 10_000, TestContext.Current.CancellationToken))!;
        intake.Format.ShouldBe(expected);
        using var copy = new MemoryStream();
        await intake.CopyToAsync(copy, TestContext.Current.CancellationToken);
        copy.ToArray().ShouldBe(bytes);
        intake.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        intake.BytesRead.ShouldBe(5000);
    }

    [Theory]
    [InlineData(new byte[] { 0x4D, 0x5A, 0x90, 0x00 })] // a Windows executable renamed .pdf
    [InlineData(new byte[] { 0x7F, 0x45, 0x4C, 0x46 })] // an ELF binary
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04 })] // a zip (docx, apk)
    [InlineData(new byte[] { 0x25, 0x50, 0x44 })] // "%PD": too short to be a PDF
    [InlineData(new byte[0])]
    public async Task Anything_else_is_refused_whatever_its_name(byte[] head) =>
        (await DocumentIntake.OpenAsync(new MemoryStream(head.Concat(new byte[100]).Take(head.Length == 0 ? 0 : 100).ToArray()), 10_000)).ShouldBeNull();

    [Fact]
    public async Task An_oversize_upload_fails_while_streaming_and_the_store_keeps_nothing()
    {
        var store = new EncryptedFileDocumentStore(_folder, new LocalKeyRing(Path.Combine(_folder, "keys", "master.key")), TimeProvider.System);
        var bytes = File("%PDF-"u8.ToArray(), 300_000);
        await using var intake = (await DocumentIntake.OpenAsync(new MemoryStream(bytes), 200_000))!;

        var ex = await Should.ThrowAsync<DocumentTooLargeException>(() => store.PutAsync("merchants/x/id", intake, "application/pdf", TestContext.Current.CancellationToken));

        ex.MaxBytes.ShouldBe(200_000);
        intake.BytesRead.ShouldBeLessThanOrEqualTo(200_000 + EncryptedFileDocumentStore.ChunkSize * 2);
        (await store.ListVersionsAsync("merchants/x/id", TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
