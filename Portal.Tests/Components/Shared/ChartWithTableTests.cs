using Bunit;
using MudBlazor;
using MudBlazor.Services;
using Portal.Components.Shared;

namespace Portal.Tests.Components.Shared;

/// <summary>The charts' text alternative: a summary, and a table toggled by a button that holds the chart's own numbers.</summary>
public sealed class ChartWithTableTests : BunitContext
{
    public ChartWithTableTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static List<ChartSeries<double>> TwoSeries() =>
    [
        new() { Name = "Succeeded", Data = new[] { 3d, 0d, 7d } },
        new() { Name = "Failed", Data = new[] { 1d, 2d, 0d } },
    ];

    [Fact]
    public void The_table_holds_every_number_of_every_series_under_its_label()
    {
        var series = TwoSeries();
        var cut = Render<ChartWithTable>(p => p
            .Add(c => c.Title, "Payments per minute by outcome")
            .Add(c => c.ChartType, ChartType.StackedBar)
            .Add(c => c.Series, series)
            .Add(c => c.Labels, ["10:00", "", "10:02"])
            .Add(c => c.TableLabels, ["10:00", "10:01", "10:02"])
            .Add(c => c.LabelHeader, "Minute"));

        cut.FindAll("[data-testid=chart-table]").ShouldBeEmpty();
        var toggle = cut.Find("[data-testid=chart-table-toggle]");
        toggle.GetAttribute("aria-expanded").ShouldBe("false");
        toggle.Click();

        cut.Find("[data-testid=chart-table-toggle]").GetAttribute("aria-expanded").ShouldBe("true");
        var table = cut.Find("[data-testid=chart-table]");
        table.QuerySelector("caption")!.TextContent.ShouldBe("Payments per minute by outcome");
        table.QuerySelectorAll("thead th").Select(h => h.TextContent.Trim()).ShouldBe(["Minute", "Succeeded", "Failed"]);
        var rows = table.QuerySelectorAll("tbody tr")
            .Select(r => r.Children.Select(c => c.TextContent.Trim()).ToArray())
            .ToArray();
        rows.Length.ShouldBe(3);
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i][0].ShouldBe($"10:0{i}"); // the table's full labels, not the chart's thinned axis
            rows[i][1].ShouldBe(series[0].Data.Values[i].ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            rows[i][2].ShouldBe(series[1].Data.Values[i].ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        toggle = cut.Find("[data-testid=chart-table-toggle]");
        toggle.Click();
        cut.FindAll("[data-testid=chart-table]").ShouldBeEmpty();
    }

    [Fact]
    public void The_summary_names_the_chart_and_each_series_total_and_labels_the_figure()
    {
        var cut = Render<ChartWithTable>(p => p
            .Add(c => c.Title, "Decline reasons")
            .Add(c => c.ChartType, ChartType.Donut)
            .Add(c => c.Series, [new ChartSeries<double> { Name = "Declines", Data = new[] { 4d, 2d } }])
            .Add(c => c.Labels, ["insufficient_funds", "do_not_honor"]));

        var summary = cut.Find("[data-testid=chart-summary]");
        summary.TextContent.ShouldBe("Decline reasons: 2 points; Declines total 6.");
        cut.Find("figure").GetAttribute("aria-labelledby").ShouldBe(summary.Id);
        // The drawing itself is hidden from assistive technology: the summary and the table speak for it.
        cut.Find("figure > div").GetAttribute("aria-hidden").ShouldBe("true");

        cut.Find("[data-testid=chart-table-toggle]").Click();
        cut.FindAll("[data-testid=chart-table] tbody th").Select(h => h.TextContent).ShouldBe(["insufficient_funds", "do_not_honor"]);
        cut.FindAll("[data-testid=chart-table] tbody td").Select(h => h.TextContent).ShouldBe(["4", "2"]);
    }

    [Fact]
    public void A_custom_format_applies_to_the_table_and_the_summary()
    {
        var cut = Render<ChartWithTable>(p => p
            .Add(c => c.Title, "Amounts")
            .Add(c => c.Series, [new ChartSeries<double> { Name = "Amount (USD)", Data = new[] { 12.5d, 0.99d } }])
            .Add(c => c.Labels, ["12-01 10:00", "12-01 11:00"])
            .Add(c => c.Format, v => v.ToString("N2", System.Globalization.CultureInfo.InvariantCulture)));

        cut.Find("[data-testid=chart-summary]").TextContent.ShouldContain("Amount (USD) total 13.49");
        cut.Find("[data-testid=chart-table-toggle]").Click();
        cut.FindAll("[data-testid=chart-table] tbody td").Select(h => h.TextContent).ShouldBe(["12.50", "0.99"]);
    }
}
