using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Payments.Live;

/// <summary>What a viewer asks to watch. The tenant part is decided from the actor by <see cref="LivePaymentScope.For"/>.</summary>
/// <param name="MerchantId">Staff: one merchant, or null for all. A merchant may only name itself.</param>
/// <param name="Status">Only payments in this status (a payment that leaves it is reported in <see cref="LivePaymentUpdate.Left"/>).</param>
/// <param name="CustomerId">Only this customer's payments.</param>
/// <param name="PaymentId">Only this payment (a detail page).</param>
public sealed record LivePaymentFilter(Guid? MerchantId = null, PaymentStatus? Status = null, string? CustomerId = null, Guid? PaymentId = null)
{
    public static readonly LivePaymentFilter None = new();
}

/// <summary>
/// The tenant scope of one subscription, decided in Core from the <see cref="Actor"/>, never by the screen: a merchant
/// sees only its own payments; staff (Admin, Compliance) see all merchants or the one they filter on; anyone else
/// sees nothing. Checked before a change enters a subscription's buffer, so another tenant's payment is never held, even
/// transiently.
/// </summary>
public sealed record LivePaymentScope(Guid? MerchantId, LivePaymentFilter Filter)
{
    /// <summary>The scope the actor may have for this filter, or null when the actor may watch no payments (or asks for another merchant's).</summary>
    public static LivePaymentScope? For(Actor actor, LivePaymentFilter filter)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        if (actor.IsMerchant)
        {
            return filter.MerchantId is { } asked && asked != actor.MerchantId ? null : new LivePaymentScope(actor.MerchantId, filter);
        }

        return actor.Role is "Admin" or "Compliance" ? new LivePaymentScope(filter.MerchantId, filter) : null;
    }

    /// <summary>The tenant check: only this decides whether a change may reach the subscription at all.</summary>
    public bool Covers(Payment payment) => MerchantId is not { } merchant || payment.MerchantId == merchant;

    /// <summary>The viewer's filters, within the scope.</summary>
    public bool Matches(Payment payment) =>
        (Filter.PaymentId is not { } id || payment.Id == id)
        && (Filter.Status is not { } status || payment.Status == status)
        && (string.IsNullOrWhiteSpace(Filter.CustomerId) || string.Equals(payment.CustomerId, Filter.CustomerId.Trim(), StringComparison.Ordinal));
}

/// <summary>
/// What changed in a subscription's scope since its previous update, delivered at most every
/// <see cref="LiveViewOptions.UpdateInterval"/>. Never a backlog: when more changed than the buffer holds,
/// <see cref="CatchingUp"/> is set and <see cref="Rows"/> holds the newest only.
/// </summary>
/// <param name="Rows">Changed payments that match the filter, newest first, one per payment at its highest version.</param>
/// <param name="Left">Payments in scope that changed and no longer match the filter (to take off the screen).</param>
/// <param name="Changes">Changes in scope since the previous update, including those not in <see cref="Rows"/>.</param>
/// <param name="NewPayments">Payments created (first version) since the previous update, matching the filter.</param>
/// <param name="Skipped">Changes dropped from the buffer (drop-to-latest) since the previous update.</param>
/// <param name="At">When the update was cut.</param>
public sealed record LivePaymentUpdate(
    IReadOnlyList<Payment> Rows,
    IReadOnlyList<Guid> Left,
    int Changes,
    int NewPayments,
    int Skipped,
    DateTimeOffset At)
{
    /// <summary>The viewer fell behind: some changes were dropped; show <see cref="Rows"/> as the newest state (jump, not replay).</summary>
    public bool CatchingUp => Skipped > 0;
}

public sealed class LiveViewOptions
{
    public const string Section = "LiveViews";

    /// <summary>At most one update per subscription per interval (default 250 ms: four a second).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Changed payments a subscription holds between two updates; older ones are dropped (the viewer is told it is catching up).</summary>
    [Range(1, 10_000)]
    public int BufferCapacity { get; set; } = 50;

    /// <summary>How often the KPI aggregate re-reads the store for a scope that is being watched (drift, other instances' writes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KpiReconcileInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A merchant's KPI figures are dropped from memory after this long without a reader.</summary>
    public TimeSpan KpiIdleEviction { get; set; } = TimeSpan.FromMinutes(10);
}
