namespace Portal.Core.Security;

/// <summary>Masks personal data before it reaches a log line.</summary>
public static class Masking
{
    /// <summary><c>jane.doe@example.com</c> becomes <c>j***@example.com</c>.</summary>
    public static string Email(string? email)
    {
        if (string.IsNullOrEmpty(email))
        {
            return "";
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at <= 0 ? "***" : string.Concat(email.AsSpan(0, 1), "***", email.AsSpan(at));
    }

    /// <summary>Keeps the last four characters: <c>0123456789</c> becomes <c>******6789</c>.</summary>
    public static string Tail(string? value, int visible = 4)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        return value.Length <= visible ? new string('*', value.Length) : new string('*', value.Length - visible) + value[^visible..];
    }
}
