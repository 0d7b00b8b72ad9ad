using MudBlazor;
using Portal.Core;
using Portal.Core.Disputes;

namespace Portal.Components.Disputes;

/// <summary>
/// Keyset paging behind a <see cref="MudDataGrid{T}"/> with ServerData: the signed cursor of every page visited stays in the
/// circuit. The grid asks by page index; a page not reached yet by "next" starts again from the first. The total shown is
/// what has been seen plus one more page while the store says there is one.
/// </summary>
internal sealed class DisputeGridPages
{
    private readonly List<string?> _cursors = [null];
    private int _pageSize = -1;

    public void Reset()
    {
        _cursors.Clear();
        _cursors.Add(null);
    }

    public async Task<GridData<Dispute>> LoadAsync(GridState<Dispute> state, Func<int, string?, Task<Result<DisputeListing>>> list)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(list);
        if (state.PageSize != _pageSize)
        {
            _pageSize = state.PageSize;
            Reset();
        }

        var page = Math.Min(state.Page, _cursors.Count - 1);
        var result = await list(state.PageSize, _cursors[page]);
        if (!result.TryGet(out var listing))
        {
            throw new InvalidOperationException(result.Error!.Message);
        }

        if (listing.NextCursor is { } next)
        {
            if (_cursors.Count == page + 1)
            {
                _cursors.Add(next);
            }
            else
            {
                _cursors[page + 1] = next;
            }
        }

        var seen = page * state.PageSize + listing.Items.Count;
        return new GridData<Dispute> { Items = listing.Items, TotalItems = listing.NextCursor is null ? seen : seen + 1 };
    }
}
