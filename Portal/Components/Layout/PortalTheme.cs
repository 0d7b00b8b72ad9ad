using MudBlazor;

namespace Portal.Components.Layout;

internal static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#0ca678",
            Tertiary = "#7048e8",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2430",
            Background = "#f5f7fb",
            DrawerBackground = "#ffffff",
            DrawerText = "#3a4150",
            Success = "#2b8a3e",
            Warning = "#e67700",
            Error = "#c92a2a",
            Info = "#1971c2",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#748ffc",
            Secondary = "#38d9a9",
            Tertiary = "#9775fa",
            AppbarBackground = "#1b1e27",
            Background = "#12141b",
            Surface = "#1b1e27",
            DrawerBackground = "#1b1e27",
            Success = "#51cf66",
            Warning = "#fcc419",
            Error = "#ff6b6b",
            Info = "#4dabf7",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "248px" },
    };
}
