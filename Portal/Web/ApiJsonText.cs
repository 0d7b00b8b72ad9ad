using System.Buffers;
using System.Text;
using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// Every JSON body sent to the API is text: a string holding a lone UTF-16 surrogate ("\ud800") or bytes that are not UTF-8
/// is a 400 naming the field, checked here once for every endpoint before any binds, hashes or stores the body (it made
/// POST /api/v1/payments answer 500, and would break the encoders and hashes downstream). Broken JSON is left to the
/// endpoint, which reports it as it always has.
/// The body is read once into one pooled buffer, handed on from it and returned to the pool after the request. A body of
/// ASCII without a \u escape (every ordinary API request) cannot hold either problem: one vectorised scan clears it, and
/// only other bodies are walked token by token to name the field.
/// </summary>
internal static class ApiJsonText
{
    public static void UseApiJsonText(this WebApplication app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api") && c.Request.HasJsonContentType(), api => api.Use(async (context, next) =>
        {
            // The body is within the API's size limit (ApiBodyLimit runs first), so it is read whole and handed on as a copy.
            var (buffer, length) = await ReadAsync(context.Request, context.RequestAborted);
            try
            {
                if (length > 0 && FirstInvalidField(buffer.AsSpan(0, length)) is { } field)
                {
                    var errors = new Dictionary<string, string[]>
                    {
                        [field.Length == 0 ? "body" : field] = ["This is not valid Unicode text: it holds a lone surrogate (such as \\ud800) or bytes that are not UTF-8."],
                    };
                    await TypedResults.ValidationProblem(errors, title: "The request has invalid fields").ExecuteAsync(context);
                    return;
                }

                context.Request.Body = new MemoryStream(buffer, 0, length, writable: false);
                await next();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }));

    private static async Task<(byte[] Buffer, int Length)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and <= ApiBodyLimit.DefaultMaxBytes ? (int)request.ContentLength.Value + 1 : 4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static string? FirstInvalidField(ReadOnlySpan<byte> body)
    {
        if (Ascii.IsValid(body) && body.IndexOf("\\u"u8) < 0)
        {
            return null; // ASCII is UTF-8, and a lone surrogate can only be written as a \u escape
        }

        try
        {
            return JsonTexts.Read(body).Where(t => !t.IsValidUnicode).Select(t => t.Field).FirstOrDefault();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
