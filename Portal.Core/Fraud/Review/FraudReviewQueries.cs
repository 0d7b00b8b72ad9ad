using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Review;

/// <summary>The queue tabs: cases to work, the escalation queue, and decided cases.</summary>
public enum FraudQueueView
{
    Review,
    Escalation,
    Decided,
}

public enum FraudQueueSort
{
    Age,
    Score,
    Amount,
}

/// <summary>What the queue page asks for. <see cref="Assignee"/> "Assigned" means assigned to the caller.</summary>
public sealed record FraudQueueFilter(
    FraudQueueView View = FraudQueueView.Review,
    FraudCaseStatus? Status = null,
    QueueAssignee Assignee = QueueAssignee.Anyone,
    bool OverdueOnly = false,
    Guid? MerchantId = null,
    int? MinScore = null,
    int? MaxScore = null,
    FraudQueueSort Sort = FraudQueueSort.Age,
    bool Descending = false);

public sealed record FraudQueuePage(IReadOnlyList<FraudCase> Items, int Total);

/// <summary>The customer's recent payments with this merchant, as the case page shows them.</summary>
public sealed record CustomerHistory(
    IReadOnlyList<Payment> Payments,
    IReadOnlyList<string> Devices,
    IReadOnlyDictionary<string, int> Countries,
    int LastHour,
    int LastDay,
    CustomerProfile? Profile);

/// <summary>Everything the case page shows.</summary>
public sealed record FraudCaseDetail(FraudCase Case, PaymentDetail Payment, MerchantRecord? Merchant, CustomerHistory History);

/// <summary>One rule hit in plain words.</summary>
public sealed record RuleExplanation(string Rule, string Title, string Meaning, string Detail, int Weight);

/// <summary>
/// Reading the fraud review queues and cases (admins only). The active statuses are a bounded working set
/// (<see cref="FraudReviewOptions.MaxWorkingSet"/> per status, read through the store's status index): filters, sorting and
/// paging run here over it, so every filter combines with every sort; decided cases are read newest first under the same bound.
/// </summary>
public sealed class FraudReviewQueries(IFraudCaseStore cases, IPaymentStore payments, PaymentQueries paymentQueries, IMerchantStore merchants, AuditService audit,
    IOptions<FraudReviewOptions> options, TimeProvider clock)
{
    public const int MaxPageSize = 100;
    public const int HistoryLimit = 50;

    public TimeSpan Sla => options.Value.Sla;

    /// <summary>Overdue past the due time; amber in the last quarter of the SLA.</summary>
    public SlaLevel SlaOf(FraudCase fraudCase)
    {
        ArgumentNullException.ThrowIfNull(fraudCase);
        if (!fraudCase.Status.IsActive())
        {
            return SlaLevel.OnTime;
        }

        var left = fraudCase.DueAt - clock.GetUtcNow();
        return left <= TimeSpan.Zero ? SlaLevel.Breached
            : left <= TimeSpan.FromTicks((fraudCase.DueAt - fraudCase.CreatedAt).Ticks / 4) ? SlaLevel.Warning
            : SlaLevel.OnTime;
    }

    public TimeSpan Age(FraudCase fraudCase) => clock.GetUtcNow() - (fraudCase ?? throw new ArgumentNullException(nameof(fraudCase))).CreatedAt;

    public TimeSpan DueIn(FraudCase fraudCase) => (fraudCase ?? throw new ArgumentNullException(nameof(fraudCase))).DueAt - clock.GetUtcNow();

    public static IReadOnlyList<FraudCaseStatus> StatusesOf(FraudQueueView view) => view switch
    {
        FraudQueueView.Review => [FraudCaseStatus.Open, FraudCaseStatus.Claimed],
        FraudQueueView.Escalation => [FraudCaseStatus.Escalated],
        FraudQueueView.Decided => [FraudCaseStatus.Approved, FraudCaseStatus.Declined, FraudCaseStatus.RefundedAsFraud],
        _ => throw new ArgumentOutOfRangeException(nameof(view)),
    };

    /// <summary>One page of a queue; <see cref="ErrorKind.Forbidden"/> for anyone but an admin.</summary>
    public async Task<Result<FraudQueuePage>> QueueAsync(Actor actor, FraudQueueFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        if (actor.Role != Roles.Admin)
        {
            return Error.Forbidden("Only admins work the fraud review queue.");
        }

        if (filter.MinScore is { } min && filter.MaxScore is { } max && min > max)
        {
            return Error.Validation("The filters are invalid", "min_score", "min_score must not be above max_score.");
        }

        var statuses = StatusesOf(filter.View);
        if (filter.Status is { } only)
        {
            statuses = statuses.Contains(only) ? [only] : [];
        }

        var all = new List<FraudCase>();
        foreach (var status in statuses)
        {
            all.AddRange(await cases.ListByStatusAsync(status, options.Value.MaxWorkingSet, cancellationToken));
        }

        var now = clock.GetUtcNow();
        IEnumerable<FraudCase> q = all;
        q = filter.Assignee switch
        {
            QueueAssignee.Assigned => q.Where(c => c.AssigneeId == actor.UserId),
            QueueAssignee.Unassigned => q.Where(c => c.AssigneeId is null),
            _ => q,
        };
        if (filter.OverdueOnly)
        {
            q = q.Where(c => c.Status.IsActive() && c.DueAt <= now);
        }

        if (filter.MerchantId is { } merchant)
        {
            q = q.Where(c => c.MerchantId == merchant);
        }

        if (filter.MinScore is { } lo)
        {
            q = q.Where(c => c.Score >= lo);
        }

        if (filter.MaxScore is { } hi)
        {
            q = q.Where(c => c.Score <= hi);
        }

        // Ties break on the id (time-ordered), so paging is stable.
        q = (filter.Sort, filter.Descending) switch
        {
            (FraudQueueSort.Score, false) => q.OrderBy(c => c.Score).ThenBy(c => c.Id),
            (FraudQueueSort.Score, true) => q.OrderByDescending(c => c.Score).ThenBy(c => c.Id),
            (FraudQueueSort.Amount, false) => q.OrderBy(c => c.Amount).ThenBy(c => c.Id),
            (FraudQueueSort.Amount, true) => q.OrderByDescending(c => c.Amount).ThenBy(c => c.Id),
            (_, false) => q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
            (_, true) => q.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        };

        var matching = q.ToList();
        return new FraudQueuePage(matching.Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxPageSize)).ToList(), matching.Count);
    }

    /// <summary>The case with its payment (and timeline), merchant and the customer's history; the read is audited.</summary>
    public async Task<Result<FraudCaseDetail>> DetailAsync(Actor actor, Guid caseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            return Error.Forbidden("Only admins work fraud review cases.");
        }

        if (await cases.GetAsync(caseId, cancellationToken) is not { } fraudCase)
        {
            return Error.NotFound("No such fraud review case.");
        }

        var payment = await paymentQueries.DetailAsync(actor, new PaymentId(fraudCase.PaymentId), cancellationToken);
        if (!payment.TryGet(out var detail))
        {
            return payment.Error!;
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudCaseViewed, AuditOutcome.Success, fraudCase.DisplayId), cancellationToken);
        var merchant = await merchants.GetAsync(fraudCase.MerchantId, cancellationToken);
        return new FraudCaseDetail(fraudCase, detail, merchant, await HistoryAsync(detail.Payment, cancellationToken));
    }

    private async Task<CustomerHistory> HistoryAsync(Payment payment, CancellationToken cancellationToken)
    {
        var page = await payments.ListAsync(new PaymentListQuery(payment.MerchantId, CustomerId: payment.CustomerId, Limit: HistoryLimit), cancellationToken);
        var items = page.Items;
        var devices = items.Select(p => p.DeviceId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var countries = items.Select(p => p.Country).OfType<string>().GroupBy(c => c.ToUpperInvariant(), StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var at = payment.CreatedAt;
        var lastHour = items.Count(p => p.CreatedAt <= at && p.CreatedAt > at.AddHours(-1));
        var lastDay = items.Count(p => p.CreatedAt <= at && p.CreatedAt > at.AddDays(-1));
        return new CustomerHistory(items, devices, countries, lastHour, lastDay, await payments.GetCustomerAsync(payment.MerchantId, payment.CustomerId, cancellationToken));
    }

    /// <summary>What each rule looks for, in plain words, with what it saw in this payment.</summary>
    public static RuleExplanation Explain(FraudFactor factor)
    {
        ArgumentNullException.ThrowIfNull(factor);
        var (title, meaning) = factor.Rule switch
        {
            FraudScorer.AmountSpike => ("Unusually large amount", "The amount is far above what this customer usually pays this merchant."),
            FraudScorer.Velocity => ("Many payments in a short time", "The customer made more payments in a few minutes than the velocity limit allows."),
            FraudScorer.UnknownDevice => ("New device", "The customer has never paid this merchant from this device before."),
            FraudScorer.CountryMismatch => ("Unusual country", "The payment comes from a country other than the one this customer usually pays from."),
            FraudScorer.CardTesting => ("Possible card testing", "Several very small payments in a row: a common way to test stolen cards before a large one."),
            _ => (factor.Rule, "A fraud rule fired for this payment."),
        };
        return new RuleExplanation(factor.Rule, title, meaning, factor.Detail, factor.Weight);
    }
}
