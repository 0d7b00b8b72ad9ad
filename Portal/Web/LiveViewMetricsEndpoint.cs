using Portal.Core.Payments.Live;

namespace Portal.Web;

public static class LiveViewMetricsEndpoint
{
    /// <summary>
    /// Development only: the live views' counters as JSON (<c>GET /dev/live-metrics</c>), read by bench/monitor.sh
    /// (updates and renders per merchant scope, open subscriptions, KPI store queries, process memory). Outside
    /// Development the same counters are on the <c>Portal.LiveViews</c> meter (dotnet-counters).
    /// </summary>
    public static void MapLiveViewMetrics(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return;
        }

        app.MapGet("/dev/live-metrics", (LiveViewMetrics metrics, LivePaymentViews views, PaymentKpiAggregate kpis, bool? collect) =>
        {
            if (collect == true)
            {
                // For a steady memory figure: what is left after a full, compacting collection.
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return TypedResults.Ok(new Dictionary<string, object>
            {
                ["open_subscriptions"] = views.Count,
                ["updates"] = metrics.Updates,
                ["renders"] = metrics.Renders,
                ["failures"] = metrics.Failures,
                ["updates_by_merchant"] = metrics.UpdatesByMerchant.ToDictionary(p => "mer_" + p.Key.ToString("N"), p => p.Value),
                ["renders_by_merchant"] = metrics.RendersByMerchant.ToDictionary(p => "mer_" + p.Key.ToString("N"), p => p.Value),
                ["kpi_store_queries"] = kpis.StoreQueries,
                ["kpi_merchant_scopes"] = kpis.MerchantScopes,
                ["working_set_bytes"] = process.WorkingSet64,
                ["gc_heap_bytes"] = GC.GetTotalMemory(forceFullCollection: false),
            });
        }).ExcludeFromDescription().AllowAnonymous();
    }
}
