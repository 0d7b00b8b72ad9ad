using System.Text;
using Microsoft.Net.Http.Headers;

namespace Portal.Web;

/// <summary>
/// The charset of a request body, checked before any endpoint reads it. The framework's JSON binder throws an
/// InvalidOperationException (a 500) for a charset it cannot decode ("charset=bogus", and a quoted "charset=\"utf-8\"",
/// which it does not unquote), so such a body is refused up front with a 415.
/// </summary>
internal static class RequestCharset
{
    public const string Problem = "The body's charset cannot be decoded. Send JSON in UTF-8: Content-Type: application/json; charset=utf-8.";

    /// <summary>Whether the Content-Type names a charset that <see cref="Encoding.GetEncoding(string)"/>, as the JSON binder calls it, does not know.</summary>
    public static bool IsUndecodable(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.Charset is not { Length: > 0 } charset)
        {
            return false;
        }

        try
        {
            Encoding.GetEncoding(charset.ToString());
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
