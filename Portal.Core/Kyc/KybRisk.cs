using Portal.Core.Merchants;

namespace Portal.Core.Kyc;

/// <summary>How risky a KYB application is, for the four-eyes rule (<see cref="KycOptions.FourEyesFromRisk"/>). Ordered: a higher value is riskier.</summary>
public enum KybRisk
{
    Low,
    Medium,
    High,
}

/// <summary>
/// A simple risk measure from what the application already holds, so it needs no scoring service and an admin can see why:
/// a high-risk industry (card-not-present travel, and "Other", which nobody has classified) is <see cref="KybRisk.High"/>;
/// a sole proprietorship or a business without a website (less to verify against) is <see cref="KybRisk.Medium"/>;
/// anything else is <see cref="KybRisk.Low"/>.
/// </summary>
public static class KybRiskRules
{
    public static readonly IReadOnlyList<string> DefaultHighRiskIndustries = ["Travel and hospitality", "Other"];

    public static KybRisk Assess(string? industry, BusinessType? businessType, string? website, KycOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var highRisk = options.HighRiskIndustries.Length > 0 ? options.HighRiskIndustries : DefaultHighRiskIndustries;
        return industry is not null && highRisk.Contains(industry, StringComparer.Ordinal) ? KybRisk.High
            : businessType == BusinessType.SoleProprietorship || string.IsNullOrWhiteSpace(website) ? KybRisk.Medium
            : KybRisk.Low;
    }

    public static KybRisk Assess(Merchant merchant, KycOptions options)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        return Assess(merchant.Industry, merchant.BusinessType, merchant.Website, options);
    }

    /// <summary>Whether this decision on an application of this risk needs a second admin: only approvals and rejections do.</summary>
    public static bool NeedsSecondAdmin(ReviewDecision decision, KybRisk risk, KycOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return decision is ReviewDecision.Approve or ReviewDecision.Reject && risk >= options.FourEyesFromRisk;
    }
}

/// <summary>How screens name a pending proposal ("Approval", "Rejection").</summary>
public static class KybProposals
{
    public static string Describe(KybProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return proposal.Decision == ReviewDecision.Approve ? "Approval" : "Rejection";
    }
}
