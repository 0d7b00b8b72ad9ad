using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Portal.Core.Audit;
using Portal.Core.Fraud.Rules;

namespace Portal.Core.Fraud.Lists;

/// <summary>What a CSV import did: entries added, rows read.</summary>
public sealed record FraudListImport(int Added, IReadOnlyList<FraudListEntry> Entries);

/// <summary>How far an import has got: rows read so far.</summary>
public sealed record FraudListImportProgress(int Rows, string Stage);

/// <summary>
/// The admin's allow/block lists: add, expire and import, each audited and applied to scoring at once (the scorer's
/// snapshot is rebuilt after every change). Admins only: merchants and Compliance are refused (and the refusal audited).
/// A bad entry or a bad CSV row is a validation error naming the field (and row), and nothing is saved.
/// </summary>
public sealed class FraudListService(IFraudListStore store, FraudSnapshots snapshots, AuditService audit, TimeProvider clock)
{
    public const int MaxImportRows = 100;
    public const int MaxPageSize = 100;

    /// <summary>The CSV header an import expects (<c>expires_at</c> and <c>merchant_id</c> may be empty).</summary>
    public static readonly IReadOnlyList<string> CsvColumns = ["list", "subject", "value", "reason", "expires_at", "merchant_id"];

    private static readonly string[] RequiredColumns = ["list", "subject", "value", "reason"];

    private readonly FraudListEntryValidator _validator = new(clock);

    public FraudListEntryValidator Validator => _validator;

    public async Task<Result<FraudListPage>> ListAsync(Actor actor, FraudListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (await RefuseAsync(actor, "fraud_list.read", null, cancellationToken) is { } refused)
        {
            return refused;
        }

        query = query with { Take = Math.Clamp(query.Take, 1, MaxPageSize), Skip = Math.Max(0, query.Skip) };
        return await store.ListAsync(query, clock.GetUtcNow(), cancellationToken);
    }

    public async Task<Result<FraudListEntry>> AddAsync(Actor actor, FraudListEntryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await RefuseAsync(actor, AuditActions.FraudListEntryAdded, null, cancellationToken) is { } refused)
        {
            return refused;
        }

        var checkedEntry = Check(actor, request, fieldPrefix: "");
        if (checkedEntry.Error is { } invalid)
        {
            return invalid;
        }

        var entry = checkedEntry.Value!;
        await store.AddAsync([entry], cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudListEntryAdded, AuditOutcome.Success, entry.DisplayId, Describe(entry)), cancellationToken);
        await snapshots.ReloadListsAsync(cancellationToken);
        return entry;
    }

    /// <summary>Ends an entry now. A stale <paramref name="expectedVersion"/> is a conflict naming who changed it.</summary>
    public async Task<Result<FraudListEntry>> ExpireAsync(Actor actor, Guid id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var target = new FraudListEntryId(id).ToString();
        if (await RefuseAsync(actor, AuditActions.FraudListEntryExpired, target, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (await store.GetAsync(id, cancellationToken) is not { } entry)
        {
            return Error.NotFound("No such list entry.");
        }

        var now = clock.GetUtcNow();
        if (entry.Version != expectedVersion)
        {
            return Error.Conflict($"This entry was changed by {entry.ExpiredBy ?? entry.AuthorName} since you loaded it. Reload to see the change.", "Changed by someone else");
        }

        if (!entry.IsActive(now))
        {
            return Error.Conflict($"This entry has already expired ({entry.ExpiresAt:u}{(entry.ExpiredBy is null ? "" : ", by " + entry.ExpiredBy)}).", "Already expired");
        }

        var expired = entry with { ExpiresAt = now, ExpiredBy = actor.Name ?? actor.UserId ?? "unknown", Version = entry.Version + 1 };
        if (!await store.UpdateAsync(expired, expectedVersion, cancellationToken))
        {
            var current = await store.GetAsync(id, cancellationToken);
            return Error.Conflict($"This entry was changed by {current?.ExpiredBy ?? current?.AuthorName ?? "someone else"} since you loaded it. Reload to see the change.",
                "Changed by someone else");
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudListEntryExpired, AuditOutcome.Success, target, Describe(entry)), cancellationToken);
        await snapshots.ReloadListsAsync(cancellationToken);
        return expired;
    }

    /// <summary>
    /// Imports a CSV file with the header <see cref="CsvColumns"/>: every row is checked first, and any bad row (errors named
    /// <c>row 3: value</c>) means nothing is saved. At most <see cref="MaxImportRows"/> rows, stored in one atomic write.
    /// </summary>
    public async Task<Result<FraudListImport>> ImportCsvAsync(Actor actor, Stream csv, IProgress<FraudListImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (await RefuseAsync(actor, AuditActions.FraudListImported, null, cancellationToken) is { } refused)
        {
            return refused;
        }

        var errors = new Dictionary<string, string[]>();
        var entries = new List<FraudListEntry>();
        using (var reader = new StreamReader(csv, leaveOpen: true))
        using (var parser = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
               {
                   PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
                   MissingFieldFound = null,
                   BadDataFound = null,
                   DetectDelimiter = false,
                   TrimOptions = TrimOptions.Trim,
               }))
        {
            if (!await parser.ReadAsync() || !parser.ReadHeader() || parser.HeaderRecord is not { } header)
            {
                return Error.Validation("The file is empty", "file", "The file has no header row. Expected: " + string.Join(",", CsvColumns) + ".");
            }

            var missing = RequiredColumns.Where(c => !header.Select(h => h.Trim().ToLowerInvariant()).Contains(c)).ToList();
            if (missing.Count > 0)
            {
                return Error.Validation("The file's header is incomplete", "file",
                    $"The header lacks {string.Join(", ", missing)}. Expected: {string.Join(",", CsvColumns)}.");
            }

            var row = 1; // the header is row 1, as a spreadsheet numbers it
            while (await parser.ReadAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                row++;
                if (row - 1 > MaxImportRows)
                {
                    return Error.Validation("Too many rows", "file", $"A file may hold at most {MaxImportRows} entries; split it and import each part.");
                }

                var expiresText = Field(parser, "expires_at");
                DateTimeOffset? expires = null;
                if (!string.IsNullOrEmpty(expiresText))
                {
                    if (!DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                    {
                        errors[$"row {row}: expires_at"] = ["expires_at must be a date and time such as 2027-01-31T00:00:00Z."];
                        continue;
                    }

                    expires = parsed;
                }

                var request = new FraudListEntryRequest(Field(parser, "list"), Field(parser, "subject"), Field(parser, "value"), Field(parser, "reason"), expires,
                    NullIfEmpty(Field(parser, "merchant_id")));
                var checkedRow = Check(actor, request, $"row {row}: ");
                if (checkedRow.Error is { } invalid)
                {
                    foreach (var (field, messages) in invalid.Fields!)
                    {
                        errors[field] = messages;
                    }
                }
                else
                {
                    entries.Add(checkedRow.Value!);
                }

                if (row % 10 == 0)
                {
                    progress?.Report(new FraudListImportProgress(row - 1, "checking"));
                }
            }
        }

        if (errors.Count > 0)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudListImported, AuditOutcome.Failure, null, $"{errors.Count} bad fields; nothing saved"), cancellationToken);
            return Error.Validation("Some rows are invalid; nothing was imported", errors);
        }

        if (entries.Count == 0)
        {
            return Error.Validation("The file has no entries", "file", "The file has a header but no rows.");
        }

        progress?.Report(new FraudListImportProgress(entries.Count, "saving"));
        await store.AddAsync(entries, cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudListImported, AuditOutcome.Success, null,
            $"{entries.Count} entries: {string.Join(", ", entries.Take(20).Select(e => e.DisplayId))}{(entries.Count > 20 ? ", ..." : "")}"), cancellationToken);
        await snapshots.ReloadListsAsync(cancellationToken);
        progress?.Report(new FraudListImportProgress(entries.Count, "done"));
        return new FraudListImport(entries.Count, entries);
    }

    private Result<FraudListEntry> Check(Actor actor, FraudListEntryRequest request, string fieldPrefix)
    {
        var validation = _validator.Validate(request);
        if (!validation.IsValid)
        {
            return Error.Validation("The list entry has invalid fields",
                validation.Errors.GroupBy(e => fieldPrefix + e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }

        var subject = FraudListNames.ParseSubject(request.Subject)!.Value;
        var now = clock.GetUtcNow();
        return new FraudListEntry(Guid.CreateVersion7(now), FraudListNames.ParseList(request.List)!.Value, subject,
            FraudListEntryValidator.Normalise(subject, request.Value!)!, MerchantId.From(request.MerchantId)?.Value, request.Reason!.Trim(),
            actor.UserId ?? "unknown", actor.Name ?? actor.UserId ?? "unknown", now, request.ExpiresAt?.ToUniversalTime(), null, 1);
    }

    private async Task<Error?> RefuseAsync(Actor actor, string action, string? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role == Roles.Admin)
        {
            return null;
        }

        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Denied, target, $"role {actor.Role ?? "none"}"), cancellationToken);
        return Error.Forbidden("Only admins manage the allow and block lists.");
    }

    private static string? Field(CsvReader parser, string name) => parser.TryGetField<string>(name, out var value) ? value : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Describe(FraudListEntry e) =>
        $"{FraudListNames.Of(e.List)} {FraudListNames.Of(e.Subject)} {e.Value}{(e.MerchantId is { } m ? " for " + new MerchantId(m) : "")}{(e.ExpiresAt is { } x ? $" until {x:u}" : "")}";
}
