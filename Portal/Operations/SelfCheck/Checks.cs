using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Security;
using Portal.Core.Webhooks;

namespace Portal.Operations.SelfCheck;

/// <summary>The key port wraps a fresh data key and unwraps it to the same bytes.</summary>
internal sealed class KeyRoundTripCheck(IKeyRing keys) : ISelfCheck
{
    public string Id => "key_round_trip";

    public string Title => "Key port encrypts and decrypts";

    public async Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        const string context = "self-check";
        var key = await keys.GenerateDataKeyAsync(context, cancellationToken);
        try
        {
            var unwrapped = await keys.UnwrapDataKeyAsync(key.Wrapped, context, cancellationToken);
            return CryptographicOperations.FixedTimeEquals(unwrapped, key.Plaintext)
                ? this.Pass("A fresh data key was wrapped and unwrapped to the same bytes.")
                : this.Fail("The unwrapped data key differs from the one generated.", "Check that the key ring (Portal:KeyPath) is the one the data was sealed with; restore it from the backup.");
        }
        catch (CryptographicException)
        {
            return this.Fail("The key port could not unwrap a data key it had just wrapped.", "Check the key ring file (Portal:KeyPath) and its permissions; restore it from the backup.");
        }
    }
}

/// <summary>Each store takes a write lock, journals to a WAL and syncs each commit to disk (synchronous=FULL: survives a power loss).</summary>
internal sealed class StorageDurabilityCheck(IStorageDurabilityProbe probe) : ISelfCheck
{
    public string Id => "storage_durability";

    public string Title => "Storage is writable with the durability setting in force";

    public async Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        var stores = await probe.InspectAsync(cancellationToken);
        var problems = stores.Select(Problem).OfType<string>().ToList();
        return problems.Count == 0
            ? this.Pass($"{string.Join(", ", stores.Select(s => s.Store))}: writable, journal_mode=wal, synchronous=full.")
            : this.Fail(string.Join(" ", problems), "Check the data folder's free space and permissions; journal_mode must be wal and synchronous full (only the portal should open its files).");

        static string? Problem(StoreDurability s) =>
            !s.Writable ? $"{s.Store}: not writable ({s.Problem})."
            : s.JournalMode != "wal" ? $"{s.Store}: journal_mode={s.JournalMode}, not wal."
            : s.Synchronous is not ("full" or "extra") ? $"{s.Store}: synchronous={s.Synchronous}, not full."
            : null;
    }
}

/// <summary>Staff sign-ins need a second factor (Auth:RequireStaffMfa).</summary>
internal sealed class StaffMfaCheck(IOptionsMonitor<PortalAuthOptions> auth) : ISelfCheck
{
    public string Id => "staff_mfa";

    public string Title => "Staff MFA is enforced";

    public Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken) => Task.FromResult(auth.CurrentValue.RequireStaffMfa
        ? this.Pass("Admin and Compliance accounts must pass a second factor.")
        : this.Fail("Auth:RequireStaffMfa is false: staff can sign in with a password alone.", "Set Auth:RequireStaffMfa to true (the default) and restart."));
}

/// <summary>Kestrel's configured certificates (Kestrel:Certificates:Default and each endpoint's) expire after the minimum days.</summary>
internal sealed class TlsCertificateCheck(IConfiguration configuration, IOptionsMonitor<SelfCheckOptions> options, TimeProvider clock) : ISelfCheck
{
    public string Id => "tls_certificate";

    public string Title => "TLS certificate expires in more than the minimum days";

    public Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        var sections = new[] { configuration.GetSection("Kestrel:Certificates:Default") }
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e.GetSection("Certificate")))
            .Where(s => !string.IsNullOrEmpty(s["Path"]))
            .ToList();
        if (sections.Count == 0)
        {
            return Task.FromResult(this.NotApplicable("No certificate is configured in Kestrel: TLS ends at a proxy or load balancer; check its certificate there."));
        }

        var minDays = options.CurrentValue.CertificateMinDays;
        var now = clock.GetUtcNow();
        var findings = new List<string>();
        var failed = false;
        foreach (var section in sections)
        {
            var path = section["Path"]!;
            try
            {
                using var certificate = Load(path, section["Password"]);
                var left = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()) - now;
                failed |= left < TimeSpan.FromDays(minDays);
                findings.Add($"{Path.GetFileName(path)} expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} ({Math.Floor(left.TotalDays)} days).");
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                failed = true;
                findings.Add($"{Path.GetFileName(path)} could not be read ({ex.GetType().Name}).");
            }
        }

        return Task.FromResult(failed
            ? this.Fail(string.Join(" ", findings), $"Renew the certificate (at least {minDays} days before expiry), replace the file and restart.")
            : this.Pass(string.Join(" ", findings)));
    }

    private static X509Certificate2 Load(string path, string? password) =>
        Path.GetExtension(path).ToLowerInvariant() is ".pfx" or ".p12"
            ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
            : X509CertificateLoader.LoadCertificateFromFile(path);
}

/// <summary>
/// The host clock against the HTTP Date header of a configured URL (one HEAD request). Without a URL there is nothing
/// to compare with: a warning, not a pass.
/// </summary>
internal sealed class ClockSkewCheck(IHttpClientFactory http, IOptionsMonitor<SelfCheckOptions> options, TimeProvider clock) : ISelfCheck
{
    public const string HttpClientName = "self-check-clock";

    public string Id => "clock_skew";

    public string Title => "Clock skew";

    public async Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (settings.ClockReferenceUrl is not { } url)
        {
            return this.Warn("No reference clock is configured, so skew was not measured.", "Set Operations:SelfCheck:ClockReferenceUrl to a trusted HTTPS URL (its Date header is the reference), and run NTP on the host.");
        }

        var client = http.CreateClient(HttpClientName);
        var sent = clock.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await client.SendAsync(request, cancellationToken);
        var received = clock.GetUtcNow();
        if (response.Headers.Date is not { } reference)
        {
            return this.Warn($"{url.Host} sent no Date header.", "Point Operations:SelfCheck:ClockReferenceUrl at a server that sends one.");
        }

        // The Date header is whole seconds, taken somewhere between sending and receiving: compare with the midpoint.
        var local = sent + (received - sent) / 2;
        var skew = local - reference;
        var finding = $"{Math.Abs(skew.TotalSeconds):0.#} s {(skew >= TimeSpan.Zero ? "ahead of" : "behind")} {url.Host}.";
        return skew.Duration() <= settings.MaxClockSkew + TimeSpan.FromSeconds(1)
            ? this.Pass(finding)
            : this.Fail(finding, "Synchronise the host clock (NTP); signatures, webhook timestamps and audit times depend on it.");
    }
}

/// <summary>No card-number-like string (Luhn-valid, 13 to 19 digits, any separators) in the recent log lines. Never echoes what it found.</summary>
internal sealed class LogCardNumberCheck(RecentLogLines lines, IOptionsMonitor<SelfCheckOptions> options) : ISelfCheck
{
    public string Id => "log_card_numbers";

    public string Title => "No card numbers in recent log lines";

    public Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        var recent = lines.Last(options.CurrentValue.LogLinesScanned);
        var hits = recent.Where(l => CardNumberDetector.ContainsCardNumber(l.Message)).ToList();
        return Task.FromResult(hits.Count == 0
            ? this.Pass($"{recent.Count} recent log lines scanned; none holds a card-number-like string.")
            : this.Fail($"{hits.Count} of the last {recent.Count} log lines hold a card-number-like string (from {string.Join(", ", hits.Select(h => h.Category).Distinct().Take(3))}).",
                "Find the code that logs the value and mask it; purge the affected logs from every sink (PCI DSS 3.3)."));
    }
}

/// <summary>How long the oldest pending webhook delivery has waited since it was created.</summary>
internal sealed class WebhookBacklogCheck(IWebhookStore webhooks, IOptionsMonitor<SelfCheckOptions> options, TimeProvider clock) : ISelfCheck
{
    public string Id => "webhook_backlog";

    public string Title => "Age of the oldest undelivered webhook";

    public async Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        // Pending deliveries by next attempt, whenever due: the one at the head of the sender's queue. A delivery backing
        // off between retries sits further back, so this is the backlog's age as the sender sees it.
        if (await webhooks.DueDeliveriesAsync(DateTimeOffset.MaxValue, 1, cancellationToken) is not [var oldest, ..])
        {
            return this.Pass("No webhook delivery is waiting.");
        }

        var settings = options.CurrentValue;
        var age = clock.GetUtcNow() - oldest.CreatedAt;
        var finding = $"The oldest pending delivery ({oldest.DisplayId}, {oldest.AttemptCount} attempts) is {Describe(age)} old.";
        const string action = "Open the merchant's webhook deliveries: an endpoint that keeps failing is disabled by the merchant or replayed once fixed.";
        return age > settings.WebhookFailAfter ? this.Fail(finding, action)
            : age > settings.WebhookWarnAfter ? this.Warn(finding, action)
            : this.Pass(finding);
    }

    internal static string Describe(TimeSpan age) =>
        age >= TimeSpan.FromHours(1) ? $"{Math.Floor(age.TotalHours)} h {age.Minutes} min" : $"{Math.Max(0, Math.Floor(age.TotalMinutes))} min";
}

/// <summary>The latest verification of the audit chain, from the scheduled verifier or a person: intact and recent.</summary>
internal sealed class AuditChainCheck(AuditIntegrityMonitor monitor, IOptionsMonitor<AuditOptions> audit, TimeProvider clock) : ISelfCheck
{
    public string Id => "audit_chain";

    public string Title => "Last good audit-chain verification";

    public Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        const string verify = "Verify the chain now on the audit log page (Compliance), and keep Audit:VerifyEvery on.";
        var latest = monitor.Latest;
        if (latest is null)
        {
            return Task.FromResult(this.Warn("The chain has not been verified since the portal started.", verify));
        }

        if (!latest.IsIntact)
        {
            return Task.FromResult(this.Fail($"The last verification ({latest.VerifiedAt:u}) found event {latest.FirstBrokenSequence} broken.",
                "Open the audit log, export the range around the event and start the incident procedure."));
        }

        var every = audit.CurrentValue.VerifyEvery;
        var finding = $"Intact at {latest.VerifiedAt:u} ({latest.EventsChecked} events).";
        return Task.FromResult(every > TimeSpan.Zero && clock.GetUtcNow() - latest.VerifiedAt > 2 * every
            ? this.Warn(finding + " That is older than two verification periods.", verify)
            : this.Pass(finding));
    }
}

/// <summary>The AWS-mode items (bucket SSE-KMS with Bucket Key, PITR, TTL on idempotency records, key rotation): this build runs embedded.</summary>
internal sealed class AwsSettingsCheck : ISelfCheck
{
    public string Id => "aws_settings";

    public string Title => "AWS: bucket SSE-KMS with Bucket Key, table PITR and TTL, key rotation";

    public Task<SelfCheckResult> RunAsync(CancellationToken cancellationToken) =>
        Task.FromResult(this.NotApplicable("Not applicable in embedded mode: data is in local SQLite files sealed by the local key ring. In AWS mode these settings are set by the infra stack and asserted by its tests."));
}
