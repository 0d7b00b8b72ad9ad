using System.Collections.Frozen;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Lists;

/// <summary>
/// An immutable view of the allow/block lists for the scorer, rebuilt whole when an entry changes and swapped in with one
/// reference write (<see cref="LiveFraudLists"/>). Lookups allocate nothing: frozen dictionaries keyed by the exact value
/// (customer and device ordinal, country and email domain ignoring case, the domain read as a span of the address), and
/// for IP ranges one frozen table per prefix length in use, keyed by the masked 128-bit address, so nested ranges need no
/// ordering and a lookup costs one hash probe per distinct prefix length. Expiry is checked against the payment's time,
/// so an entry stops applying the moment it expires, before the next rebuild.
/// </summary>
public sealed class FraudListSnapshot
{
    public static readonly FraudListSnapshot Empty = new([]);

    private readonly FrozenDictionary<string, Hit[]> _customers;
    private readonly FrozenDictionary<string, Hit[]> _devices;
    private readonly FrozenDictionary<string, Hit[]> _countries;
    private readonly FrozenDictionary<string, Hit[]> _domains;
    private readonly FrozenDictionary<string, Hit[]>.AlternateLookup<ReadOnlySpan<char>> _domainSpans;
    private readonly FrozenDictionary<UInt128, Hit[]>?[] _ranges = new FrozenDictionary<UInt128, Hit[]>?[129];
    private readonly int[] _prefixes;

    public FraudListSnapshot(IEnumerable<FraudListEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var all = entries.Select(e => new Hit(e)).ToList();
        Count = all.Count;
        _customers = Group(all, FraudListSubject.Customer, e => e.Value, StringComparer.Ordinal);
        _devices = Group(all, FraudListSubject.Device, e => e.Value, StringComparer.Ordinal);
        _countries = Group(all, FraudListSubject.Country, e => e.Value, StringComparer.OrdinalIgnoreCase);
        _domains = Group(all, FraudListSubject.EmailDomain, e => e.Value, StringComparer.OrdinalIgnoreCase);
        _domainSpans = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var byPrefix in all.Where(h => h.Entry.Subject == FraudListSubject.Ip).Select(h => (Hit: h, Range: FraudListValues.Range(h.Entry.Value))).GroupBy(x => x.Range.Prefix))
        {
            _ranges[byPrefix.Key] = byPrefix.GroupBy(x => x.Range.Start & FraudListValues.Mask(byPrefix.Key)).ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Hit).ToArray());
        }

        _prefixes = [.. Enumerable.Range(0, 129).Where(p => _ranges[p] is not null).OrderDescending()];
    }

    public int Count { get; }

    public bool IsEmpty => Count == 0;

    /// <summary>
    /// The entry that decides this payment: a block entry wins over an allow entry; null when none applies (the rules decide).
    /// </summary>
    public Hit? Match(FraudInput payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (Count == 0)
        {
            return null;
        }

        Hit? allow = null;
        if (payment.CustomerId is { } customer && _customers.TryGetValue(customer, out var hits) && Pick(hits, payment, ref allow) is { } blocked)
        {
            return blocked;
        }

        if (payment.DeviceId is { } device && _devices.TryGetValue(device, out hits) && Pick(hits, payment, ref allow) is { } byDevice)
        {
            return byDevice;
        }

        if (payment.Country is { } country && _countries.TryGetValue(country, out hits) && Pick(hits, payment, ref allow) is { } byCountry)
        {
            return byCountry;
        }

        if (payment.Email is { } email && _domains.Count > 0)
        {
            var at = email.LastIndexOf('@');
            if (at >= 0 && _domainSpans.TryGetValue(email.AsSpan(at + 1), out hits) && Pick(hits, payment, ref allow) is { } byDomain)
            {
                return byDomain;
            }
        }

        if (payment.IpAddress is { } ip && _prefixes.Length > 0 && FraudListValues.TryParseAddress(ip, out var address))
        {
            foreach (var prefix in _prefixes)
            {
                if (_ranges[prefix]!.TryGetValue(address & FraudListValues.Mask(prefix), out hits) && Pick(hits, payment, ref allow) is { } byIp)
                {
                    return byIp;
                }
            }
        }

        return allow;
    }

    /// <summary>A block hit among <paramref name="hits"/>, else remembers the first allow hit.</summary>
    private static Hit? Pick(Hit[] hits, FraudInput payment, ref Hit? allow)
    {
        foreach (var hit in hits)
        {
            var e = hit.Entry;
            if (!e.IsActive(payment.At) || (e.MerchantId is { } merchant && merchant != payment.MerchantId))
            {
                continue;
            }

            if (e.List == FraudListType.Block)
            {
                return hit;
            }

            allow ??= hit;
        }

        return null;
    }

    private static FrozenDictionary<string, Hit[]> Group(List<Hit> all, FraudListSubject subject, Func<FraudListEntry, string> key, StringComparer comparer) =>
        all.Where(h => h.Entry.Subject == subject).GroupBy(h => key(h.Entry), comparer).ToFrozenDictionary(g => g.Key, g => g.ToArray(), comparer);

    /// <summary>An entry with its prebuilt answer, so a hit allocates nothing either.</summary>
    public sealed class Hit
    {
        public const string BlockRule = "block_list";
        public const string AllowRule = "allow_list";

        private FraudAssessment _assessment;

        public Hit(FraudListEntry entry)
        {
            Entry = entry;
            var what = $"{FraudListNames.Of(entry.Subject).Replace('_', ' ')} {entry.Value}";
            _assessment = entry.List == FraudListType.Block
                ? new FraudAssessment(100, FraudDecision.Block, [new FraudFactor(BlockRule, 100, $"On block list ({what}).")])
                : new FraudAssessment(0, FraudDecision.Allow, [new FraudFactor(AllowRule, 0, $"On allow list ({what}): rules skipped.")]);
        }

        public FraudListEntry Entry { get; }

        /// <summary>The answer under <paramref name="rules"/>' version (kept, so the next payment under the same version reuses it).</summary>
        public FraudAssessment AssessmentFor(ScoringRules rules)
        {
            ArgumentNullException.ThrowIfNull(rules);
            var current = _assessment;
            if (current.RuleVersion != rules.Version)
            {
                current = current with { RuleVersion = rules.Version };
                _assessment = current;
            }

            return current;
        }
    }
}

/// <summary>The lists the scorer reads: one immutable snapshot, swapped whole.</summary>
public sealed class LiveFraudLists
{
    private volatile FraudListSnapshot _current = FraudListSnapshot.Empty;

    public FraudListSnapshot Current => _current;

    public void Swap(FraudListSnapshot next) => _current = next ?? throw new ArgumentNullException(nameof(next));
}
