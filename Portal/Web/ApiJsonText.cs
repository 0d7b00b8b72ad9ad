using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// Every JSON body sent to the API is text: a string holding a lone UTF-16 surrogate ("\ud800") or bytes that are not UTF-8
/// is a 400 naming the field, checked here once for every endpoint before any binds, hashes or stores the body (it made
/// POST /api/v1/payments answer 500, and would break the encoders and hashes downstream). Broken JSON is left to the
/// endpoint, which reports it as it always has.
/// </summary>
internal static class ApiJsonText
{
    public static void UseApiJsonText(this WebApplication app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api") && c.Request.HasJsonContentType(), api => api.Use(async (context, next) =>
        {
            // The body is within the API's size limit (ApiBodyLimit runs first), so it is read whole and handed on as a copy.
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (buffer.Length > 0 && FirstInvalidField(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is { } field)
            {
                var errors = new Dictionary<string, string[]>
                {
                    [field.Length == 0 ? "body" : field] = ["This is not valid Unicode text: it holds a lone surrogate (such as \\ud800) or bytes that are not UTF-8."],
                };
                await TypedResults.ValidationProblem(errors, title: "The request has invalid fields").ExecuteAsync(context);
                return;
            }

            buffer.Position = 0;
            context.Request.Body = buffer;
            await next();
        }));

    private static string? FirstInvalidField(ReadOnlySpan<byte> body)
    {
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
