using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Portal.Components.Payments;

/// <summary>
/// Whether this circuit's client is connected. Live screens stop their subscriptions when the connection goes down
/// (a closed laptop, a dead network) and start again, jumping to the newest state, when it comes back: a circuit whose
/// client vanished costs no work while Blazor retains it (<c>CircuitOptions.DisconnectedCircuitRetentionPeriod</c>),
/// and is disposed with its subscriptions when that period ends.
/// </summary>
public sealed class LiveCircuit : CircuitHandler
{
    private event Action<bool>? Changed;

    public bool Connected { get; private set; } = true;

    /// <summary>Calls <paramref name="onChange"/> with the new state whenever the connection goes down or comes back.</summary>
    public IDisposable Watch(Action<bool> onChange)
    {
        Changed += onChange;
        return new Unwatch(this, onChange);
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Set(false);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Set(true);
        return Task.CompletedTask;
    }

    /// <summary>For tests and the handler: the connection went down (false) or came back (true).</summary>
    public void Set(bool connected)
    {
        if (Connected == connected)
        {
            return;
        }

        Connected = connected;
        Changed?.Invoke(connected);
    }

    private sealed class Unwatch(LiveCircuit circuit, Action<bool> handler) : IDisposable
    {
        public void Dispose() => circuit.Changed -= handler;
    }
}
