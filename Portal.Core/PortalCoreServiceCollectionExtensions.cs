using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Adapters.Embedded;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;
using Portal.Core.Configuration;
using Portal.Core.Fraud.Review;
using Portal.Core.Notifications;
using Portal.Core.Payments.Live;
using Portal.Core.Security;
using Portal.Core.Webhooks;

namespace Portal.Core;

public static class PortalCoreServiceCollectionExtensions
{
    /// <summary>Options and use-case services; storage comes from an adapter set (<see cref="AddEmbeddedStorage"/>).</summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services)
    {
        services.AddOptions<PortalOptions>()
            .BindConfiguration(PortalOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, ValidatableObjectOptionsValidator<PortalOptions>>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new AuditChain(sp.GetRequiredService<IKeyRing>().DeriveKey("audit-chain")));
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<Merchants.MerchantPiiVault>();
        services.AddSingleton<Merchants.MerchantCursor>();
        services.AddSingleton<Merchants.MerchantService>();
        services.AddSingleton<Merchants.MerchantRecordQueries>();
        services.AddOptions<Kyc.KycOptions>().BindConfiguration(Kyc.KycOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Kyc.KycDocumentService>();
        services.AddSingleton<Kyc.KycCaseService>();
        services.AddOptions<Payments.PaymentOptions>().BindConfiguration(Payments.PaymentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Fraud.FraudOptions>().BindConfiguration(Fraud.FraudOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Fraud.FraudOptions>, ValidatableObjectOptionsValidator<Fraud.FraudOptions>>();
        services.AddFraudListsAndRules();
        services.AddSingleton<Payments.PaymentFeed>();
        services.AddLivePayments();
        services.AddSingleton<Payments.LatencyRecorder>();
        services.AddSingleton<Payments.IPaymentProcessor, Payments.SandboxProcessor>();
        services.AddSingleton<Payments.PaymentIdempotency>();
        services.AddSingleton<Payments.ApplyProcessorEvent>();
        services.AddSingleton<Payments.IProcessorNotifications>(sp => sp.GetRequiredService<Payments.ApplyProcessorEvent>());
        services.AddSingleton<Payments.InitiatePayment>();
        services.AddSingleton<Payments.RefundPayment>();
        services.AddSingleton<Payments.PaymentQueries>();
        services.AddWebhooks();
        services.AddFraudReview();
        services.AddAuditing();
        return services;
    }

    /// <summary>SQLite files, local key ring and file outbox under <see cref="PortalOptions.DataPath"/>.</summary>
    public static IServiceCollection AddEmbeddedStorage(this IServiceCollection services)
    {
        services.AddSingleton<EmbeddedDataFolder>();
        services.AddOptions<EmbeddedWriterOptions>().BindConfiguration(EmbeddedWriterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, EmbeddedKeyPathValidator>();
        services.AddSingleton<IKeyRing>(sp => KeyCustody.OpenKeyRing(sp.GetRequiredService<EmbeddedDataFolder>()));
        services.AddKeyedSingleton("audit", (sp, key) => OpenDatabase(sp, (string)key!));
        services.AddKeyedSingleton("portal", (sp, key) => OpenDatabase(sp, (string)key!));
        services.AddSingleton<IAuditLog>(sp => new SqliteAuditLog(
            sp.GetRequiredKeyedService<SqliteDatabase>("audit"),
            sp.GetRequiredService<AuditChain>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SqliteAuditLog>>(),
            Writer(sp)));
        services.AddKeyedSingleton("payments", (sp, key) => OpenDatabase(sp, (string)key!));
        services.AddSingleton(sp => new SqlitePaymentStore(
            sp.GetRequiredKeyedService<SqliteDatabase>("payments"), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqlitePaymentStore>>(),
            Writer(sp)));
        services.AddSingleton<Payments.IPaymentStore>(sp => sp.GetRequiredService<SqlitePaymentStore>());
        services.AddSingleton<Payments.IEventOutbox>(sp => sp.GetRequiredService<SqlitePaymentStore>());
        services.AddSingleton<IApiKeyStore>(sp => new SqliteApiKeyStore(sp.GetRequiredKeyedService<SqliteDatabase>("portal")));
        services.AddSingleton(sp => new SqliteMerchantStore(
            sp.GetRequiredKeyedService<SqliteDatabase>("portal"), sp.GetRequiredService<ILogger<SqliteMerchantStore>>(), Writer(sp)));
        services.AddSingleton<Merchants.IMerchantStore>(sp => sp.GetRequiredService<SqliteMerchantStore>());
        services.AddSingleton<Kyc.IKycDocumentRecords>(sp => new SqliteKycDocumentRecords(sp.GetRequiredKeyedService<SqliteDatabase>("portal")));
        services.AddSingleton<Payments.IProcessedWebhookEvents>(sp => new SqliteProcessedWebhookEvents(sp.GetRequiredKeyedService<SqliteDatabase>("portal"), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Webhooks.IWebhookStore>(sp => new SqliteWebhookStore(sp.GetRequiredKeyedService<SqliteDatabase>("portal")));
        services.AddSingleton<Kyc.IDocumentStore>(sp => new EncryptedFileDocumentStore(
            sp.GetRequiredService<EmbeddedDataFolder>().Sub("documents"), sp.GetRequiredService<IKeyRing>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEmailOutbox>(sp => new FileEmailOutbox(
            sp.GetRequiredService<EmbeddedDataFolder>().Sub("outbox"),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileEmailOutbox>>()));
        services.AddSingleton<IStorageProbe, EmbeddedStorageProbe>();
        services.AddSingleton<IStorageDurabilityProbe, EmbeddedDurabilityProbe>();
        services.AddEmbeddedFraudStores();
        services.AddSingleton<EmbeddedDatabaseStartup>();
        return services;
    }

    private static GroupCommitOptions Writer(IServiceProvider services) =>
        services.GetRequiredService<IOptions<EmbeddedWriterOptions>>().Value.ToWriter();

    /// <summary>Opening a database brings it to the latest schema version (<see cref="EmbeddedSchemas"/>).</summary>
    private static SqliteDatabase OpenDatabase(IServiceProvider services, string key)
    {
        var schema = EmbeddedSchemas.All[key];
        var busy = services.GetRequiredService<IOptions<EmbeddedWriterOptions>>().Value.BusyTimeoutSeconds;
        return new SqliteDatabase(
            services.GetRequiredService<EmbeddedDataFolder>().File(schema.FileName), schema, services.GetRequiredService<ILogger<SqliteDatabase>>(),
            busy is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
    }
}

/// <summary>
/// The resolved data folder and master key file (relative paths are under the content root). The folder is created
/// 0700 on first use, and everything below it is private to the portal's user too.
/// </summary>
public sealed class EmbeddedDataFolder
{
    public EmbeddedDataFolder(IOptions<PortalOptions> options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        Root = ResolveRoot(options.Value, environment.ContentRootPath);
        KeyPath = ResolveKeyPath(options.Value, environment.ContentRootPath);
        PrivateFiles.CreateOrRestrictFolder(Root);
    }

    public string Root { get; }

    /// <summary>The master key file: <see cref="PortalOptions.KeyPath"/>, or <c>keys/master.key</c> under the data folder.</summary>
    public string KeyPath { get; }

    public string File(string name) => Path.Combine(Root, name);

    /// <summary>A SQLite file under the data folder, created empty and private if missing (see <see cref="PrivateFiles.EnsureExists"/>).</summary>
    public string Database(string name)
    {
        var path = File(name);
        PrivateFiles.EnsureExists(path);
        return path;
    }

    public string Sub(string name) => PrivateFiles.CreateFolder(Path.Combine(Root, name));

    internal static string ResolveRoot(PortalOptions options, string contentRoot) =>
        Path.GetFullPath(Path.Combine(contentRoot, options.DataPath));

    internal static string ResolveKeyPath(PortalOptions options, string contentRoot) =>
        string.IsNullOrWhiteSpace(options.KeyPath)
            ? Path.Combine(ResolveRoot(options, contentRoot), "keys", "master.key")
            : Path.GetFullPath(Path.Combine(contentRoot, options.KeyPath));
}

/// <summary>
/// <c>Portal:KeyPath</c> names a file apart from the data folder it protects; Production must set it (the default
/// beside the data is for a local <c>dotnet run</c>).
/// </summary>
internal sealed class EmbeddedKeyPathValidator(IHostEnvironment environment) : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode != PortalMode.Embedded || string.IsNullOrWhiteSpace(options.DataPath))
        {
            return ValidateOptionsResult.Skip;
        }

        if (string.IsNullOrWhiteSpace(options.KeyPath))
        {
            return environment.IsProduction()
                ? ValidateOptionsResult.Fail(
                    "Portal:KeyPath must be set in Production: name the master key file outside Portal:DataPath (a secrets mount or another volume), so a copy of the data folder does not carry its key.")
                : ValidateOptionsResult.Success;
        }

        var keyPath = EmbeddedDataFolder.ResolveKeyPath(options, environment.ContentRootPath);
        if (Path.EndsInDirectorySeparator(options.KeyPath) || Directory.Exists(keyPath))
        {
            return ValidateOptionsResult.Fail($"Portal:KeyPath must name a file, not a folder ({keyPath}).");
        }

        var fromData = Path.GetRelativePath(EmbeddedDataFolder.ResolveRoot(options, environment.ContentRootPath), keyPath);
        var insideData = !Path.IsPathRooted(fromData) && fromData != ".." && !fromData.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return insideData
            ? ValidateOptionsResult.Fail($"Portal:KeyPath ({keyPath}) must be outside Portal:DataPath: a key kept beside the data it protects is copied with it.")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>Runs <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/> too, which ValidateDataAnnotations skips when a property fails.</summary>
internal sealed class ValidatableObjectOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class, System.ComponentModel.DataAnnotations.IValidatableObject
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage ?? "invalid").ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
