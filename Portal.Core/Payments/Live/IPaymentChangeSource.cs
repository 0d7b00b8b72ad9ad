namespace Portal.Core.Payments.Live;

/// <summary>
/// The stream of durable payment changes that live views and the KPI aggregate are fed from: the seam between one
/// instance and many. Embedded mode: this instance's <see cref="PaymentFeed"/>. AWS mode with several instances: the
/// shared event stream (issue 20, not built yet), so that a viewer on instance A sees payments taken on instance B.
/// </summary>
/// <remarks>
/// Contract: the handler is called once per durable change, in commit order per payment (a higher
/// <see cref="Payment.Version"/> is newer), possibly on the publisher's thread; it must only hand the change over and
/// return. A source may drop or repeat changes (at-least-once streams do): consumers keep the highest version and
/// reconcile against the store.
/// </remarks>
public interface IPaymentChangeSource
{
    IDisposable Subscribe(Action<Payment> handler);
}
