using System.Globalization;
using MudBlazor;
using MudBlazor.Utilities.Exceptions;

namespace Portal.Components.Onboarding;

/// <summary>
/// Dates of birth as people in Nigeria write them: day first (12/04/1985, 12-04-1985, 12.04.1985), shown as dd/MM/yyyy.
/// The ISO form (1985-04-12) is accepted too, since it cannot be mistaken for day-first. Anything else is refused with a
/// message that shows the expected form, instead of MudBlazor's generic "Not a valid date time".
/// </summary>
public sealed class DateOfBirthConverter : IReversibleConverter<DateTime?, string?>
{
    public const string Format = "dd/MM/yyyy";
    public const string FormatMessage = "Enter the date as day/month/year, like 12/04/1985.";

    public static readonly DateOfBirthConverter Instance = new();

    private static readonly string[] Accepted = ["d/M/yyyy", "d-M-yyyy", "d.M.yyyy", "yyyy-MM-dd"];

    public string? Convert(DateTime? input) => input?.ToString(Format, CultureInfo.InvariantCulture);

    public DateTime? ConvertBack(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return null;
        }

        return DateTime.TryParseExact(input.Trim(), Accepted, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new ConversionException(FormatMessage, [], null);
    }
}
