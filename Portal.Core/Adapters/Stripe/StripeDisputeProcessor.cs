using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Disputes;
using Portal.Core.Kyc;
using Stripe;
using Dispute = Portal.Core.Disputes.Dispute;
using StripeDisputes = Stripe.DisputeService;

namespace Portal.Core.Adapters.Stripe;

/// <summary>
/// Disputes on Stripe: the evidence goes as one update of the dispute with <c>submit=true</c> (Stripe.net
/// <c>DisputeService.UpdateAsync</c>), under an
/// idempotency key of the portal's dispute id and the evidence's hash, so a retried call never submits twice; accepting is
/// <c>close</c>. Evidence files are read from the portal's encrypted document store and uploaded first to Stripe's file API
/// (<c>POST /v1/files</c> on its upload host, purpose <c>dispute_evidence</c>, one idempotency key per file), and the update
/// names each by its evidence field (<c>evidence[receipt]</c> ...). Stripe takes one file per field, so two files of one type
/// are refused before anything is sent. Failures are results with the portal's own message; logs carry ids only.
/// </summary>
internal sealed class StripeDisputeProcessor : IDisputeProcessor
{
    private readonly StripeDisputes _disputes;
    private readonly FileService _files;
    private readonly IDocumentStore _documents;
    private readonly ILogger<StripeDisputeProcessor> _logger;

    public StripeDisputeProcessor(IOptions<StripeOptions> options, HttpClient httpClient, IDocumentStore documents, ILogger<StripeDisputeProcessor> logger)
    {
        var settings = options.Value;
        var apiBase = string.IsNullOrWhiteSpace(settings.ApiBase) ? null : settings.ApiBase.TrimEnd('/');
        var client = new StripeClient(
            settings.SecretKey,
            httpClient: new SystemNetHttpClient(httpClient, settings.MaxNetworkRetries, appInfo: null, enableTelemetry: false),
            apiBase: apiBase,
            filesBase: apiBase); // a mock server (ApiBase set) takes uploads too; else Stripe's own upload host
        _disputes = new StripeDisputes(client);
        _files = new FileService(client);
        _documents = documents;
        _logger = logger;
    }

    public string Name => "stripe";

    public bool Simulated => false;

    public async Task<DisputeProcessorResult> SubmitEvidenceAsync(Dispute dispute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispute);
        if (dispute.Files.GroupBy(f => f.Type).FirstOrDefault(g => g.Count() > 1) is { } crowded)
        {
            return new DisputeProcessorResult(false,
                $"Stripe takes one file per kind of evidence: keep one {DisputeNames.Label(crowded.Key).ToLowerInvariant()} file ({crowded.Count()} are attached) and submit again.");
        }

        var e = dispute.Evidence;
        var evidence = new DisputeEvidenceOptions
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
        };
        var update = new DisputeUpdateOptions
        {
            Evidence = evidence,
            Submit = true,
            Metadata = new Dictionary<string, string> { ["dispute_id"] = dispute.DisplayId },
        };
        return await CallAsync(dispute, "submit", async () =>
        {
            foreach (var file in dispute.Files)
            {
                Attach(evidence, file.Type, await UploadAsync(dispute, file, cancellationToken));
            }

            await _disputes.UpdateAsync(dispute.ProcessorDisputeId, update, new RequestOptions { IdempotencyKey = SubmitKey(dispute) }, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// Uploads one evidence file and returns Stripe's file id. The idempotency key is the dispute and the file, so a retried
    /// submission reuses the upload instead of making a second file. The file is read whole first (at most the evidence size
    /// limit), so Stripe.net can resend it on a network retry.
    /// </summary>
    private async Task<string> UploadAsync(Dispute dispute, EvidenceFile file, CancellationToken cancellationToken)
    {
        await using var stored = await _documents.OpenReadAsync(file.DocumentKey, file.VersionId, cancellationToken)
            ?? throw new EvidenceFileMissingException(file.Id);
        using var content = new MemoryStream(checked((int)Math.Max(file.Length, 0)));
        await stored.CopyToAsync(content, cancellationToken);
        content.Position = 0;
        var uploaded = await _files.CreateAsync(new FileCreateOptions
            {
                // Named by kind and type only: the merchant's own file name never leaves the portal.
                File = new MultipartFileContent { Data = content, Name = DisputeNames.FileType(file.Type) + Extension(file.ContentType), Type = file.ContentType },
                Purpose = "dispute_evidence",
            },
            new RequestOptions { IdempotencyKey = $"{dispute.DisplayId}-file-{file.Id:N}" }, cancellationToken);
        return uploaded.Id;
    }

    private static string Extension(string contentType) => contentType switch
    {
        "application/pdf" => ".pdf",
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        _ => "",
    };

    private static void Attach(DisputeEvidenceOptions evidence, EvidenceFileType type, string fileId)
    {
        switch (type)
        {
            case EvidenceFileType.Receipt: evidence.Receipt = fileId; break;
            case EvidenceFileType.CustomerCommunication: evidence.CustomerCommunication = fileId; break;
            case EvidenceFileType.ShippingDocumentation: evidence.ShippingDocumentation = fileId; break;
            case EvidenceFileType.RefundPolicy: evidence.RefundPolicy = fileId; break;
            case EvidenceFileType.ServiceDocumentation: evidence.ServiceDocumentation = fileId; break;
            case EvidenceFileType.CancellationPolicy: evidence.CancellationPolicy = fileId; break;
            default: evidence.UncategorizedFile = fileId; break;
        }
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

    private async Task<DisputeProcessorResult> CallAsync(Dispute dispute, string operation, Func<Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await call();
            return DisputeProcessorResult.Ok;
        }
        catch (EvidenceFileMissingException ex)
        {
            _logger.LogError("Evidence file {FileId} of dispute {DisputeId} is missing from the document store; nothing was submitted", ex.FileId, dispute.DisplayId);
            return new DisputeProcessorResult(false, "One of the evidence files could not be read. Nothing was sent; remove it, upload it again and submit.");
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

/// <summary>An evidence file the dispute names is not in the document store (never expected; reported, not thrown to the caller).</summary>
internal sealed class EvidenceFileMissingException(Guid fileId) : Exception($"Evidence file {fileId} is missing.")
{
    public Guid FileId { get; } = fileId;
}
