using Portal.Api;
using Portal.Api.OpenApi;
using Portal.Auth;
using Portal.Components;
using Portal.Components.Account;
using Portal.Core;
using Portal.Operations;
using Portal.Operations.SelfCheck;
using Portal.Web;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddPortalSharedSettings();
if (BackupCommands.IsCommand(args))
{
    Environment.ExitCode = await BackupCommands.RunAsync(args, builder.Configuration, builder.Environment);
    return;
}

builder.WebHost.UseStaticWebAssets();
builder.AddPortalTelemetry();

builder.Services.AddPortalCore();
builder.Services.AddEmbeddedStorage();
builder.Services.AddStripeProcessor(builder.Configuration);
builder.Services.AddDisputes(builder.Configuration);
builder.Services.AddPortalAuth();
builder.Services.AddPortalWeb();
builder.Services.AddPaymentsApi();
builder.Services.AddPortalUi();
builder.Services.AddSelfCheck();

var app = builder.Build();

try
{
    app.ClaimDataFolder();
    await app.InitializePortalStorageAsync();
}
catch (StartupRefusedException refused) when (System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly)
{
    // An operator's answer, not a crash: the reason and what to do, then exit 1 (no stack trace, no abort). Hosted in a
    // test (WebApplicationFactory) the exception goes on to the test instead.
    await Console.Error.WriteLineAsync(refused.Message);
    Environment.ExitCode = 1;
    return;
}

app.UsePortalForwardedHeaders();
app.UseTraceIdHeader();
app.UsePortalErrorHandling();
app.UsePortalSecurityHeaders();
app.UseApiBodyLimit();
app.UsePortalStaticAssets();
app.UseRateLimiter();
app.UseAuditedAccessFailures();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseApiJsonText();

app.MapPortalHealthChecks();
app.MapPortalApiReference();
app.MapAuthApi();
app.MapMeApi();
app.MapAuditApi();
app.MapUsersApi();
app.MapMerchantsApi();
app.MapKycDocumentsApi();
app.MapDocumentFiles();
app.MapPaymentsApi();
app.MapDisputesApi();
app.MapStripeWebhooksApi();
app.MapWebhooksApi();
app.MapFraudApi();
app.MapOperationsApi();
app.MapAccountEndpoints();
app.MapLiveViewMetrics();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>Entry point, public for <c>WebApplicationFactory</c>.</summary>
public partial class Program;
