using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Fraud;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Fraud;

/// <summary>The fraud lists and rules wired as the portal wires them, over SQLite in a temp folder, with a fake clock.</summary>
internal sealed class FraudBed : IAsyncDisposable
{
    public static readonly Actor Ada = new("admin-ada", "ada@portal.example", Roles.Admin, null, "10.0.0.1");
    public static readonly Actor Bola = new("admin-bola", "bola@portal.example", Roles.Admin, null, "10.0.0.2");
    public static readonly Actor Compliance = new("user-c", "c@portal.example", Roles.Compliance, null, "10.0.0.3");
    public static readonly Actor Merchant = new("user-m", "m@shop.example", Roles.Merchant, Guid.CreateVersion7(), "10.0.0.4");

    private FraudBed(EmbeddedTestBed bed, FraudOptions options)
    {
        Bed = bed;
        Store = new SqliteFraudStore(bed.Database("portal.db"));
        Rules = new LiveFraudRules(new ScoringRules(1, FraudRuleParameters.From(options)));
        Snapshots = new FraudSnapshots(Store, Store, Lists, Rules, Options.Create(options), bed.Clock, NullLogger<FraudSnapshots>.Instance);
        ListService = new FraudListService(Store, Snapshots, bed.Audit, bed.Clock);
        RuleService = new FraudRuleService(Store, Snapshots, bed.Audit, bed.Clock);
        Scorer = new FraudScorer(Rules, Lists);
    }

    public static async Task<FraudBed> CreateAsync(FraudOptions? options = null)
    {
        var bed = new FraudBed(new EmbeddedTestBed("fraud"), options ?? new FraudOptions());
        await bed.Snapshots.StartAsync(TestContext.Current.CancellationToken);
        return bed;
    }

    public EmbeddedTestBed Bed { get; }

    public SqliteFraudStore Store { get; }

    public LiveFraudLists Lists { get; } = new();

    public LiveFraudRules Rules { get; }

    public FraudSnapshots Snapshots { get; }

    public FraudListService ListService { get; }

    public FraudRuleService RuleService { get; }

    public FraudScorer Scorer { get; }

    public async ValueTask DisposeAsync()
    {
        await Snapshots.StopAsync(CancellationToken.None);
        Snapshots.Dispose();
        await Bed.DisposeAsync();
    }
}
