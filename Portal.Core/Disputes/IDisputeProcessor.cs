namespace Portal.Core.Disputes;

/// <summary>
/// The processor's side of a dispute: sending the merchant's evidence (submitted, final) or accepting the dispute.
/// Sandbox: nothing leaves the portal and an admin records the outcome. Stripe: <c>POST /v1/disputes/{id}</c> with the
/// evidence and <c>submit=true</c>, or <c>POST /v1/disputes/{id}/close</c>; the outcome arrives by webhook.
/// </summary>
public interface IDisputeProcessor
{
    string Name { get; }

    /// <summary>True for the sandbox: an admin may record the outcome (won or lost) by hand.</summary>
    bool Simulated { get; }

    Task<DisputeProcessorResult> SubmitEvidenceAsync(Dispute dispute, CancellationToken cancellationToken);

    Task<DisputeProcessorResult> AcceptAsync(Dispute dispute, CancellationToken cancellationToken);
}

/// <summary>What the processor said. <see cref="Message"/> is the portal's own words, safe to show (never the processor's raw text).</summary>
public sealed record DisputeProcessorResult(bool Succeeded, string? Message = null)
{
    public static readonly DisputeProcessorResult Ok = new(true);
}

/// <summary>The sandbox: accepts every submission and acceptance; the outcome is recorded by an admin (<see cref="DisputeService.RecordOutcomeAsync"/>).</summary>
public sealed class SandboxDisputeProcessor : IDisputeProcessor
{
    public string Name => "sandbox";

    public bool Simulated => true;

    public Task<DisputeProcessorResult> SubmitEvidenceAsync(Dispute dispute, CancellationToken cancellationToken) => Task.FromResult(DisputeProcessorResult.Ok);

    public Task<DisputeProcessorResult> AcceptAsync(Dispute dispute, CancellationToken cancellationToken) => Task.FromResult(DisputeProcessorResult.Ok);
}
