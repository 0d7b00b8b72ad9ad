namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Every SQLite file of the embedded data folder, in one place: backup and restore read this list, so a new database
/// added to the portal without being added here is not backed up (a test checks the list against a running portal).
/// </summary>
public static class EmbeddedDatabases
{
    public const string Portal = "portal.db";
    public const string Payments = "payments.db";
    public const string Audit = "audit.db";
    public const string Identity = "identity.db";

    public static IReadOnlyList<string> All { get; } = [Portal, Payments, Audit, Identity];
}
