using System.Text.Json;

namespace Portal.Tests.Upgrades;

/// <summary>What a data fixture holds and its test-only credentials (manifest.json beside the data folder).</summary>
public sealed class DataFixtureManifest
{
    public const string FileName = "manifest.json";

    public const string CertificateFile = "certificate.pdf";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public string Password { get; set; } = "";

    public string AdminEmail { get; set; } = "admin@fixture.test";

    public string AdminTotpKey { get; set; } = "";

    public string ComplianceEmail { get; set; } = "compliance@fixture.test";

    public string ComplianceTotpKey { get; set; } = "";

    public string MerchantEmail { get; set; } = "merchant@fixture.test";

    public string MerchantApiKey { get; set; } = "";

    public string WebhookEndpointId { get; set; } = "";

    public List<string> PaymentIds { get; set; } = [];

    public string RefundId { get; set; } = "";

    public string OnboardingEmail { get; set; } = "onboarding@fixture.test";

    public string OnboardingApiKey { get; set; } = "";

    public string OnboardingMerchantId { get; set; } = "";

    public string DocumentLocation { get; set; } = "";

    /// <summary>A small PDF-looking file with a fixed content, so its bytes can be compared after an upgrade.</summary>
    public static byte[] Certificate()
    {
        var bytes = new byte[6000];
        "%PDF-1.7\n"u8.CopyTo(bytes);
        for (var i = 9; i < bytes.Length; i++)
        {
            bytes[i] = (byte)('a' + (i * 7 % 26));
        }

        return bytes;
    }

    public static DataFixtureManifest Read(string folder) =>
        JsonSerializer.Deserialize<DataFixtureManifest>(File.ReadAllText(Path.Combine(folder, FileName)), Json)!;
}
