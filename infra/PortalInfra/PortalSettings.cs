namespace PortalInfra;

/// <summary>
/// What differs between deployments, read from CDK context (<c>cdk.json</c> or <c>-c key=value</c>): names, the container
/// image, the TLS certificate, the hosted UI's domain prefix and callback, and where alarms go. Nothing secret lives here.
/// </summary>
public sealed record PortalSettings
{
    /// <summary>Prefix of every named resource (tables <c>{prefix}-merchants</c>, ...).</summary>
    public string Prefix { get; init; } = "portal";
    public string ImageUri { get; init; } = "public.ecr.aws/example/merchant-portal:latest";
    public string CertificateArn { get; init; } = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000";
    public string PublicUrl { get; init; } = "https://portal.example.com";
    public string CognitoDomainPrefix { get; init; } = "merchant-portal-example";
    public string AlarmEmail { get; init; } = "ops@example.com";
    public int DesiredTasks { get; init; } = 2;

    /// <summary>Requests per IP per 5 minutes on the sign-in paths before WAF blocks.</summary>
    public int SignInRateLimit { get; init; } = 100;

    /// <summary>Requests per IP per 5 minutes on the payment API before WAF blocks (a merchant's backend is one IP or a few).</summary>
    public int PaymentRateLimit { get; init; } = 150_000;

    public static PortalSettings FromContext(Amazon.CDK.App app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var defaults = new PortalSettings();
        string Text(string key, string fallback) => app.Node.TryGetContext(key) is string s && s.Length > 0 ? s : fallback;
        int Number(string key, int fallback) => app.Node.TryGetContext(key) switch
        {
            double d => (int)d,
            int i => i,
            string s when int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var i) => i,
            _ => fallback,
        };
        return new PortalSettings
        {
            Prefix = Text("prefix", defaults.Prefix),
            ImageUri = Text("imageUri", defaults.ImageUri),
            CertificateArn = Text("certificateArn", defaults.CertificateArn),
            PublicUrl = Text("publicUrl", defaults.PublicUrl),
            CognitoDomainPrefix = Text("cognitoDomainPrefix", defaults.CognitoDomainPrefix),
            AlarmEmail = Text("alarmEmail", defaults.AlarmEmail),
            DesiredTasks = Number("desiredTasks", defaults.DesiredTasks),
            SignInRateLimit = Number("signInRateLimit", defaults.SignInRateLimit),
            PaymentRateLimit = Number("paymentRateLimit", defaults.PaymentRateLimit),
        };
    }
}

/// <summary>The custom CloudWatch metrics the portal publishes (namespace and names; docs/aws.md lists them too).</summary>
public static class PortalMetrics
{
    public const string Namespace = "MerchantPortal";

    /// <summary>Payments initiated (count, one per accepted initiation).</summary>
    public const string PaymentsInitiated = "PaymentsInitiated";

    /// <summary>Payments the fraud rules blocked (count).</summary>
    public const string FraudBlocks = "FraudBlocks";

    /// <summary>Failures of the audit log's hash-chain and signature verification (published after every run, 0 when clean).</summary>
    public const string AuditVerificationFailures = "AuditVerificationFailures";
}
