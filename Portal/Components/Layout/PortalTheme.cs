using MudBlazor;

namespace Portal.Components.Layout;

/// <summary>
/// The portal's palettes. Every text colour meets WCAG AA (4.5:1) on the background and the surface, and every filled
/// colour meets it with its contrast text; the accessibility scan (Portal.Tests/E2E/Accessibility) checks each page.
/// </summary>
internal static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#0b7a57",
            Tertiary = "#7048e8",
            TextSecondary = "#555c69",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2430",
            Background = "#f5f7fb",
            DrawerBackground = "#ffffff",
            DrawerText = "#3a4150",
            Success = "#237032",
            Warning = "#a85300",
            Error = "#c92a2a",
            Info = "#1864ab",
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
            // The dark palette's colours are light: text on a filled chip or button in them is dark (white would be 2-3:1).
            PrimaryContrastText = "#12141b",
            SecondaryContrastText = "#12141b",
            TertiaryContrastText = "#12141b",
            SuccessContrastText = "#12141b",
            WarningContrastText = "#12141b",
            ErrorContrastText = "#12141b",
            InfoContrastText = "#12141b",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "248px" },
    };
}
