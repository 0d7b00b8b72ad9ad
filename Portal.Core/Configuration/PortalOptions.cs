using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Configuration;

/// <summary>Where the portal keeps its state. Bound from the <c>Portal</c> section and validated at start-up.</summary>
public sealed class PortalOptions : IValidatableObject
{
    public const string Section = "Portal";

    /// <summary>Embedded (SQLite + local files, the default) or Aws (DynamoDB, S3, KMS, Cognito).</summary>
    public PortalMode Mode { get; set; } = PortalMode.Embedded;

    /// <summary>Folder for the embedded databases, key ring, documents and email outbox. Relative paths are under the content root.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Portal:DataPath must name a folder for the embedded store.")]
    public string DataPath { get; set; } = "data";

    /// <summary>
    /// The embedded master key file (created 0600 on first start). Unset, it is <c>{DataPath}/keys/master.key</c>, which
    /// suits a local <c>dotnet run</c>; Production must name a file outside the data folder (a secrets mount or another
    /// volume), so a copy or backup of the data folder does not carry the key that decrypts it. Relative paths are
    /// under the content root.
    /// </summary>
    public string? KeyPath { get; set; }

    /// <summary>Seed demo accounts for every role and print them at start-up. Development only; ignored elsewhere.</summary>
    public bool SeedDemoUsers { get; set; } = true;

    /// <summary>The demo accounts' password as the README publishes it; outside Development the portal refuses to start with it.</summary>
    public const string PublishedDemoPassword = "Demo-Portal-2026!";

    /// <summary>Password of the seeded demo accounts (Development only).</summary>
    [MinLength(12, ErrorMessage = "Portal:DemoPassword must be at least 12 characters.")]
    public string DemoPassword { get; set; } = PublishedDemoPassword;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Mode))
        {
            yield return new ValidationResult($"Portal:Mode '{Mode}' is unknown; use Embedded or Aws.", [nameof(Mode)]);
        }
        else if (Mode == PortalMode.Aws)
        {
            // Honest refusal: the AWS adapters (DynamoDB, S3, KMS, Cognito) are built by the storage issues.
            yield return new ValidationResult(
                "Portal:Mode=Aws is not available in this build yet: the DynamoDB/S3/KMS adapters arrive with the storage features. Use Portal:Mode=Embedded.",
                [nameof(Mode)]);
        }
    }
}

public enum PortalMode
{
    Embedded,
    Aws,
}
