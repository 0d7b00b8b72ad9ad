namespace Portal.Core.Payments;

/// <summary>
/// Lets one piece of work per (merchant, key) run at a time in this process: payment initiations per customer, so scoring
/// always reads a profile that includes the customer's previous attempt, and the resumption of one abandoned refund.
/// Striped: memory stays fixed and unrelated keys seldom share a stripe. It covers one process (the embedded mode);
/// several portal instances on DynamoDB would also need the profile's version checked at scoring time, which the README
/// lists as a known limit.
/// </summary>
internal sealed class MerchantTurns
{
    private const int Stripes = 4096;
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<Turn> EnterAsync(Guid merchantId, string key, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(uint)HashCode.Combine(merchantId, StringComparer.Ordinal.GetHashCode(key)) % Stripes];
        await stripe.WaitAsync(cancellationToken);
        return new Turn(stripe);
    }

    /// <summary>Held for the length of the work; disposing it lets the next one for the same stripe in.</summary>
    public sealed class Turn(SemaphoreSlim stripe) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                stripe.Release();
            }
        }
    }
}
