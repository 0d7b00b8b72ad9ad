using Portal.Core.Disputes;

namespace Portal.Components.Disputes;

/// <summary>The case page's editable copy of the evidence (MudTextField binds to settable properties).</summary>
internal sealed class EvidenceForm
{
    public string? ProductDescription { get; set; }
    public string? CustomerName { get; set; }
    public string? CustomerEmailAddress { get; set; }
    public string? BillingAddress { get; set; }
    public string? ServiceDate { get; set; }
    public string? ShippingCarrier { get; set; }
    public string? ShippingTrackingNumber { get; set; }
    public string? RefundPolicyDisclosure { get; set; }
    public string? CancellationRebuttal { get; set; }
    public string? Explanation { get; set; }

    public static EvidenceForm From(DisputeEvidence e) => new()
    {
        ProductDescription = e.ProductDescription, CustomerName = e.CustomerName, CustomerEmailAddress = e.CustomerEmailAddress, BillingAddress = e.BillingAddress,
        ServiceDate = e.ServiceDate, ShippingCarrier = e.ShippingCarrier, ShippingTrackingNumber = e.ShippingTrackingNumber,
        RefundPolicyDisclosure = e.RefundPolicyDisclosure, CancellationRebuttal = e.CancellationRebuttal, Explanation = e.Explanation,
    };

    public DisputeEvidence ToEvidence() => new(ProductDescription, CustomerName, CustomerEmailAddress, BillingAddress, ServiceDate, ShippingCarrier, ShippingTrackingNumber,
        RefundPolicyDisclosure, CancellationRebuttal, Explanation);
}
