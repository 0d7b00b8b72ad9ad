using System.Text.RegularExpressions;

namespace Portal.Tests.Components.Shared;

/// <summary>
/// Every MudSelect in the portal takes <c>SelectionOnEnter="true"</c>: the arrow keys move the highlight and Enter chooses,
/// Escape leaves the value as it was (the select-only combobox pattern of the WAI-ARIA practices). Without it MudBlazor 9
/// writes the value on every arrow press (a filter reloads its list at each step) and Enter only closes the list.
/// KeyboardJourneyTests drives it in a browser.
/// </summary>
public sealed partial class SelectKeyboardConventionTests
{
    [GeneratedRegex(@"<MudSelect\b[^>]*>", RegexOptions.Singleline)]
    private static partial Regex SelectTag();

    [Fact]
    public void Every_MudSelect_chooses_on_Enter()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Portal.sln")))
        {
            root = root.Parent;
        }

        root.ShouldNotBeNull("no Portal.sln above the test assembly");
        var selects = Directory.EnumerateFiles(Path.Combine(root.FullName, "Portal", "Components"), "*.razor", SearchOption.AllDirectories)
            .SelectMany(file => SelectTag().Matches(File.ReadAllText(file)).Select(m => (File: Path.GetFileName(file), Tag: m.Value)))
            .ToList();

        selects.Count.ShouldBeGreaterThan(10); // the portal's filters, forms and dialogs: the scan found them
        selects.Where(s => !s.Tag.Contains("SelectionOnEnter=\"true\"", StringComparison.Ordinal))
            .Select(s => $"{s.File}: {s.Tag[..Math.Min(80, s.Tag.Length)]}")
            .ShouldBeEmpty();
    }
}
