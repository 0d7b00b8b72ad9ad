using Portal.Core.Audit;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Review;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Rules;

/// <summary>One stored payment as a replay needs it (no metadata map, no factors): read in time order, a page at a time.</summary>
public sealed record ReplayPayment(Guid Id, Guid MerchantId, string CustomerId, long Amount, string? DeviceId, string? Country, string? IpAddress, string? Email,
    PaymentStatus Status, DateTimeOffset CreatedAt);

/// <summary>
/// Stored payments in time order for replays. Both payment adapters serve it from an index ordered by creation time
/// (SQLite <c>ix_payments_created</c>; DynamoDB the sharded <c>all-created-index</c>, merged), never a scan, a page at a time.
/// </summary>
public interface IPaymentHistory
{
    /// <summary>Payments created in [<paramref name="from"/>, <paramref name="to"/>) after <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ReplayPayment>> ReadAsync(DateTimeOffset from, DateTimeOffset to, PaymentKeyset? after, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// How one rule version would have decided the replayed payments, and how those payments turned out: later disputed
/// (payment status), and confirmed as fraud by a review decision (the case was declined or refunded as fraud).
/// </summary>
public sealed record BacktestColumn(int Version, long Blocked, long Held, long Passed, long BlockedDisputed, long HeldDisputed, long PassedDisputed,
    long BlockedConfirmed = 0, long HeldConfirmed = 0, long PassedConfirmed = 0)
{
    public long Disputed => BlockedDisputed + HeldDisputed + PassedDisputed;

    public long Confirmed => BlockedConfirmed + HeldConfirmed + PassedConfirmed;
}

/// <summary>
/// The draft against the live version over the same payments. <see cref="Changed"/> counts payments the two decide
/// differently. Outcomes: payments later disputed (payment status) and payments a review decision confirmed as fraud
/// (<see cref="IFraudCaseOutcomes"/>).
/// </summary>
public sealed record BacktestResult(DateTimeOffset From, DateTimeOffset To, long Payments, BacktestColumn Live, BacktestColumn Draft, long Changed);

/// <summary>Payments replayed so far and the share of the period covered (by time, so no count query is needed up front).</summary>
public sealed record BacktestProgress(long Payments, double Fraction);

/// <summary>
/// The replay itself, fed one payment at a time in time order: each version keeps its own customer profiles, folded
/// exactly as the live path folds them (<see cref="CustomerProfile.With"/>: only payments that version lets through teach
/// habits), so each payment is scored against the history that version would have produced. The replay keeps each
/// profile as one mutable <see cref="ReplayCustomer"/> (ring buffers for recent payments and devices, a country map) instead
/// of a new immutable profile per payment, and scores both versions from one <see cref="FraudInput"/>. Memory grows with
/// distinct customers (one small profile per customer per version), not with payments.
/// </summary>
public sealed class BacktestReplay(ScoringRules live, ScoringRules draft, FraudListSnapshot lists, IReadOnlySet<Guid>? confirmedFraud = null)
{
    private readonly IReadOnlySet<Guid>? _confirmed = confirmedFraud is { Count: > 0 } ? confirmedFraud : null;
    private readonly Side _live = new(live, lists);
    private readonly Side _draft = new(draft, lists);

    // Both versions' profiles of a customer under one key: one hash of the customer id per payment, not one per version.
    private readonly Dictionary<(Guid, string), Customer> _customers = new();
    private long _payments;
    private long _changed;

    public long Payments => _payments;

    public void Add(ReplayPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        _payments++;
        var disputed = payment.Status == PaymentStatus.Disputed;
        var confirmed = _confirmed?.Contains(payment.Id) == true;
        var input = new FraudInput(payment.Amount, payment.DeviceId, payment.Country, payment.CreatedAt, payment.MerchantId, payment.CustomerId, payment.IpAddress,
            payment.Email);
        var recent = new RecentPayment(payment.CreatedAt, payment.Amount);
        ref var customer = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_customers, (payment.MerchantId, payment.CustomerId), out var known);
        if (!known)
        {
            customer = new Customer(new ReplayCustomer(payment.MerchantId, payment.CustomerId), new ReplayCustomer(payment.MerchantId, payment.CustomerId));
        }

        // A customer's first payment is scored without a profile, as on the live path.
        var a = _live.Score(payment, input, recent, known ? customer.Live.Profile : null, customer.Live, disputed, confirmed);
        var b = _draft.Score(payment, input, recent, known ? customer.Draft.Profile : null, customer.Draft, disputed, confirmed);
        if (a != b)
        {
            _changed++;
        }
    }

    public BacktestResult Result(DateTimeOffset from, DateTimeOffset to) => new(from, to, _payments, _live.Column(), _draft.Column(), _changed);

    private readonly record struct Customer(ReplayCustomer Live, ReplayCustomer Draft);

    private sealed class Side(ScoringRules rules, FraudListSnapshot lists)
    {
        private long _blocked, _held, _passed, _blockedDisputed, _heldDisputed, _passedDisputed, _blockedConfirmed, _heldConfirmed, _passedConfirmed;

        public FraudDecision Score(ReplayPayment p, FraudInput input, RecentPayment recent, CustomerProfile? profile, ReplayCustomer customer, bool disputed, bool confirmed)
        {
            var decision = FraudScorer.Assess(input, profile, rules, lists).Decision;
            switch (decision)
            {
                case FraudDecision.Block:
                    _blocked++;
                    _blockedDisputed += disputed ? 1 : 0;
                    _blockedConfirmed += confirmed ? 1 : 0;
                    break;
                case FraudDecision.Review:
                    _held++;
                    _heldDisputed += disputed ? 1 : 0;
                    _heldConfirmed += confirmed ? 1 : 0;
                    break;
                case FraudDecision.Allow:
                    _passed++;
                    _passedDisputed += disputed ? 1 : 0;
                    _passedConfirmed += confirmed ? 1 : 0;
                    break;
            }

            customer.Add(recent, p.DeviceId, p.Country, decision == FraudDecision.Allow);
            return decision;
        }

        public BacktestColumn Column() => new(rules.Version, _blocked, _held, _passed, _blockedDisputed, _heldDisputed, _passedDisputed,
            _blockedConfirmed, _heldConfirmed, _passedConfirmed);
    }
}

/// <summary>
/// One customer's profile during a replay, folded in place with the same rules as <see cref="CustomerProfile.With"/>:
/// every attempt goes into the newest <see cref="CustomerProfile.RecentLimit"/> recent payments; only attempts that passed
/// screening add to the count, the total, the known devices (newest <see cref="CustomerProfile.DeviceLimit"/>) and the
/// countries. <see cref="Profile"/> is a <see cref="CustomerProfile"/> over these live collections, so the scorer reads it
/// unchanged; a new record is made only when the count or total changes.
/// </summary>
internal sealed class ReplayCustomer
{
    private readonly RingCollection<RecentPayment> _recent = new(CustomerProfile.RecentLimit);
    private readonly RingCollection<string> _devices = new(CustomerProfile.DeviceLimit);
    private readonly Dictionary<string, long> _countries = new(StringComparer.Ordinal);

    public ReplayCustomer(Guid merchantId, string customerId) =>
        Profile = new CustomerProfile(merchantId, customerId, 0, 0, _devices, _countries, _recent);

    public CustomerProfile Profile { get; private set; }

    public void Add(RecentPayment payment, string? device, string? country, bool passedScreening)
    {
        _recent.Push(payment);
        if (!passedScreening)
        {
            return;
        }

        if (device is not null && !_devices.Contains(device))
        {
            _devices.Push(device);
        }

        if (country is not null)
        {
            ref var seen = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_countries, country, out _);
            seen++;
        }

        Profile = Profile with { PaymentCount = Profile.PaymentCount + 1, TotalAmount = Profile.TotalAmount + payment.Amount };
    }

    /// <summary>The newest <c>capacity</c> items, newest first (index 0), as <see cref="CustomerProfile"/>'s lists are ordered.</summary>
    private sealed class RingCollection<T>(int capacity) : IReadOnlyList<T>
    {
        private readonly T[] _items = new T[capacity];
        private int _next;
        private int _count;

        public int Count => _count;

        public T this[int index] => (uint)index < (uint)_count
            ? _items[(_next - 1 - index + _items.Length) % _items.Length]
            : throw new ArgumentOutOfRangeException(nameof(index));

        public void Push(T item)
        {
            _items[_next] = item;
            _next = (_next + 1) % _items.Length;
            _count = Math.Min(_count + 1, _items.Length);
        }

        public bool Contains(T item)
        {
            for (var i = 0; i < _count; i++)
            {
                if (EqualityComparer<T>.Default.Equals(_items[i], item))
                {
                    return true;
                }
            }

            return false;
        }

        public IEnumerator<T> GetEnumerator()
        {
            for (var i = 0; i < _count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>
/// Backtests the draft against the live version over the last N days of payments, streamed from the store a page at a
/// time (constant memory in the number of payments), reporting progress as it goes. Admins only; audited.
/// </summary>
public sealed class FraudBacktest(IPaymentHistory history, IFraudCaseOutcomes outcomes, IFraudRuleStore rules, LiveFraudRules live, LiveFraudLists lists, AuditService audit,
    TimeProvider clock)
{
    public const int MaxDays = 90;
    public const int PageSize = 5000;

    public async Task<Result<BacktestResult>> RunAsync(Actor actor, int days, IProgress<BacktestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudRuleBacktested, AuditOutcome.Denied, null, $"role {actor.Role ?? "none"}"), cancellationToken);
            return Error.Forbidden("Only admins backtest fraud rules.");
        }

        if (days is < 1 or > MaxDays)
        {
            return Error.Validation("The backtest has invalid fields", "days", $"days must be between 1 and {MaxDays}.");
        }

        if (await rules.GetDraftAsync(cancellationToken) is not { } draft)
        {
            return Error.Conflict("There is no draft to backtest. Save a draft first.", "No draft");
        }

        var current = live.Current;
        var to = clock.GetUtcNow();
        var from = to.AddDays(-days);
        var confirmed = await ConfirmedFraudAsync(outcomes, from, cancellationToken);
        var result = await ReplayAsync(history, current, new ScoringRules(current.Version + 1, draft.Parameters), lists.Current, from, to, progress, cancellationToken,
            confirmedFraud: confirmed);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudRuleBacktested, AuditOutcome.Success, $"draft revision {draft.Revision} vs v{current.Version}",
            $"{days} days, {result.Payments} payments"), cancellationToken);
        return result;
    }

    /// <summary>
    /// The payments confirmed as fraud by a review decision among cases opened since <paramref name="from"/>: one id per
    /// confirmed case (memory grows with confirmed fraud, not with payments).
    /// </summary>
    public static async Task<IReadOnlySet<Guid>> ConfirmedFraudAsync(IFraudCaseOutcomes outcomes, DateTimeOffset from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var confirmed = new HashSet<Guid>();
        await foreach (var paymentId in outcomes.ConfirmedFraudPaymentsAsync(from, cancellationToken))
        {
            confirmed.Add(paymentId);
        }

        return confirmed;
    }

    /// <summary>The streaming loop: one page in memory at a time.</summary>
    public static async Task<BacktestResult> ReplayAsync(IPaymentHistory history, ScoringRules live, ScoringRules draft, FraudListSnapshot lists,
        DateTimeOffset from, DateTimeOffset to, IProgress<BacktestProgress>? progress, CancellationToken cancellationToken, int pageSize = PageSize,
        IReadOnlySet<Guid>? confirmedFraud = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var replay = new BacktestReplay(live, draft, lists, confirmedFraud);
        var span = Math.Max(1, (to - from).Ticks);
        // Read ahead: the next page is read on the thread pool while this one is replayed (the SQLite adapter reads
        // synchronously), so reading and scoring overlap; at most two pages are in memory, and pages are replayed in order.
        var next = Task.Run(() => history.ReadAsync(from, to, null, pageSize, cancellationToken), cancellationToken);
        while (true)
        {
            var page = await next;
            var full = page.Count >= pageSize;
            if (full)
            {
                var after = new PaymentKeyset(page[^1].CreatedAt, page[^1].Id);
                next = Task.Run(() => history.ReadAsync(from, to, after, pageSize, cancellationToken), cancellationToken);
            }

            foreach (var payment in page)
            {
                replay.Add(payment);
            }

            if (!full)
            {
                break;
            }

            progress?.Report(new BacktestProgress(replay.Payments, Math.Clamp((double)(page[^1].CreatedAt - from).Ticks / span, 0, 1)));
        }

        progress?.Report(new BacktestProgress(replay.Payments, 1));
        return replay.Result(from, to);
    }
}
