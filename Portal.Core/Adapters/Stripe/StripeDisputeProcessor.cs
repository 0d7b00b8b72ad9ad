using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Disputes;
using Stripe;
using Dispute = Portal.Core.Disputes.Dispute;
using StripeDisputes = Stripe.DisputeService;

namespace Portal.Core.Adapters.Stripe;

/// <summary>
/// Disputes on Stripe: the evidence goes as one update of the dispute with <c>submit=true</c> (Stripe.net
/// <c>DisputeService.UpdateAsync</c>), under an
/// idempotency key of the portal's dispute id and the evidence's hash, so a retried call never submits twice; accepting is
/// <c>close</c>. Evidence files stay in the portal's encrypted document store: uploading them to Stripe's file API is not
/// done yet, so only the text evidence is sent. Failures are results with the portal's own message; logs carry ids only.
/// </summary>
internal sealed class StripeDisputeProcessor : IDisputeProcessor
{
    private readonly StripeDisputes _disputes;
    private readonly ILogger<StripeDisputeProcessor> _logger;

    public StripeDisputeProcessor(IOptions<StripeOptions> options, HttpClient httpClient, ILogger<StripeDisputeProcessor> logger)
    {
        var settings = options.Value;
        var client = new StripeClient(
            settings.SecretKey,
            httpClient: new SystemNetHttpClient(httpClient, settings.MaxNetworkRetries, appInfo: null, enableTelemetry: false),
            apiBase: string.IsNullOrWhiteSpace(settings.ApiBase) ? null : settings.ApiBase.TrimEnd('/'));
        _disputes = new StripeDisputes(client);
        _logger = logger;
    }

    public string Name => "stripe";

    public bool Simulated => false;

    public async Task<DisputeProcessorResult> SubmitEvidenceAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        var e = dispute.Evidence;
        var update = new DisputeUpdateOptions
        {
            Evidence = new DisputeEvidenceOptions
            {
                ProductDescription = e.ProductDescription,
                CustomerName = e.CustomerName,
                CustomerEmailAddress = e.CustomerEmailAddress,
                BillingAddress = e.BillingAddress,
                ServiceDate = e.ServiceDate,
                ShippingCarrier = e.ShippingCarrier,
                ShippingTrackingNumber = e.ShippingTrackingNumber,
                RefundPolicyDisclosure = e.RefundPolicyDisclosure,
                CancellationRebuttal = e.CancellationRebuttal,
                UncategorizedText = e.Explanation,
            },
            Submit = true,
            Metadata = new Dictionary<string, string> { ["dispute_id"] = dispute.DisplayId },
        };
        return await CallAsync(dispute, "submit", () => _disputes.UpdateAsync(dispute.ProcessorDisputeId, update,
            new RequestOptions { IdempotencyKey = SubmitKey(dispute) }, cancellationToken), cancellationToken);
    }

    public Task<DisputeProcessorResult> AcceptAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        return CallAsync(dispute, "close", () => _disputes.CloseAsync(dispute.ProcessorDisputeId, new DisputeCloseOptions(),
            new RequestOptions { IdempotencyKey = dispute.DisplayId + "-close" }, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The dispute and a hash of the evidence: a retry of the same submission (after a timeout that may have reached Stripe)
    /// is replayed by Stripe, not sent twice; a submission with changed evidence is a new request.
    /// </summary>
    internal static string SubmitKey(Dispute dispute) =>
        dispute.DisplayId + "-submit-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DisputeJson.Evidence(dispute.Evidence))))[..16];

    private async Task<DisputeProcessorResult> CallAsync(Dispute dispute, string operation, Func<Task<global::Stripe.Dispute>> call, CancellationToken cancellationToken)
    {
        try
        {
            await call();
            return DisputeProcessorResult.Ok;
        }
        catch (StripeException ex)
        {
            _logger.LogWarning("Stripe dispute {Operation} for {DisputeId} refused ({StatusCode}, {Code})", operation, dispute.DisplayId, (int)ex.HttpStatusCode, ex.StripeError?.Code);
            return new DisputeProcessorResult(false, "The processor refused the request. Nothing was changed; try again later or contact support.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Stripe dispute {Operation} for {DisputeId} failed in transport ({ExceptionType})", operation, dispute.DisplayId, ex.GetType().Name);
            return new DisputeProcessorResult(false, "The processor could not be reached. Nothing was changed; try again in a moment.");
        }
    }
}
