using MudBlazor;
using Portal.Components.Layout;
using Portal.Core.Payments;

namespace Portal.Components.Shared;

/// <summary>
/// One colour per meaning on every chart, taken from the theme colour of the status chips: green succeeded, amber declined
/// by the processor (Failed), red blocked by our fraud rules, blue waiting (pending, held for review). A decline reason
/// takes its outcome's colour: <c>fraud_blocked</c> is the red of Blocked; the processor's reasons are told apart by
/// amber and neutral shades, never red, green or blue.
/// </summary>
public static class ChartPalette
{
    public const string FraudBlockedReason = "fraud_blocked";

    private static readonly string[] ProcessorReasonShades = [Theme(Color.Warning), "#f08c00", "#495057", "#0b7285", "#868e96", "#7c5e10"];

    /// <summary>The chart colour of a payment outcome: the light theme's colour of its status chip.</summary>
    public static string For(PaymentStatus status) => Theme(PaymentStatusChip.ColorFor(status));

    /// <summary>Colours for decline reasons in the order given (the donut's slices and its key).</summary>
    public static string[] ForDeclineReasons(IEnumerable<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var processor = 0;
        return [.. reasons.Select(r => r == FraudBlockedReason ? For(PaymentStatus.Blocked) : ProcessorReasonShades[processor++ % ProcessorReasonShades.Length])];
    }

    private static string Theme(Color color)
    {
        var palette = PortalTheme.Theme.PaletteLight;
        return (color switch
        {
            Color.Success => palette.Success,
            Color.Warning => palette.Warning,
            Color.Error => palette.Error,
            Color.Info => palette.Info,
            Color.Secondary => palette.Secondary,
            Color.Tertiary => palette.Tertiary,
            Color.Primary => palette.Primary,
            _ => palette.TextSecondary,
        }).ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex);
    }
}
