using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Portal.Core;
using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// Data-protection keys (cookies, antiforgery, bearer tokens) live in the data folder, encrypted at rest with a key
/// from the portal's key ring, so a copy of the folder without the key ring cannot forge a session.
/// </summary>
internal static class DataProtectionSetup
{
    public static IServiceCollection AddPortalDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("merchant-portal");
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<EmbeddedDataFolder, IKeyRing>((options, folder, keyRing) =>
            {
                options.XmlRepository = new PrivateFileXmlRepository(
                    new DirectoryInfo(folder.Sub("dataprotection")), NullLoggerFactoryInstance);
                options.XmlEncryptor = new KeyRingXmlEncryptor(keyRing.DeriveKey("data-protection"));
            });
        return services;
    }

    private static readonly Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory NullLoggerFactoryInstance = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
}

/// <summary>AES-256-GCM over the key XML; the decryptor type is recorded so the framework can read it back.</summary>
internal sealed class KeyRingXmlEncryptor(byte[] key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(key, 16))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        }

        var element = new XElement("encryptedKey",
            new XComment(" Encrypted with the portal key ring (AES-256-GCM). "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(KeyRingXmlDecryptor));
    }
}

internal sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetRequiredService<IKeyRing>().DeriveKey("data-protection");
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var ciphertext = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key, 16))
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext);
        }

        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
    }
}
