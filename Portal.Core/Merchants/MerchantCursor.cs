using Portal.Core.Security;

namespace Portal.Core.Merchants;

/// <summary>Cursors of the merchant listing: the keyset position, bound to the filters it was issued for.</summary>
public sealed class MerchantCursor(IKeyRing keys)
{
    private readonly SignedCursor<MerchantKeyset> _signer = new(keys, "merchants");

    public string Encode(MerchantKeyset position, MerchantListQuery filters) => _signer.Encode(position, Fingerprint(filters));

    /// <summary>The position, or null when the cursor is malformed, altered or was issued for other filters.</summary>
    public MerchantKeyset? Decode(string cursor, MerchantListQuery filters) => _signer.Decode(cursor, Fingerprint(filters));

    private static string Fingerprint(MerchantListQuery q) => $"{q.Status}|{q.CacNumber}|{(q.NamePrefix is null ? "" : MerchantSort.NormaliseName(q.NamePrefix))}|{q.Limit}";
}
