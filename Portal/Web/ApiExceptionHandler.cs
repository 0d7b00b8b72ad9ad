using Microsoft.AspNetCore.Diagnostics;
using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// The unexpected, on the API: a 500 problem with a trace id and nothing else (no exception text, which could carry data).
/// Bad request bodies (malformed JSON, wrong types) arrive here as <see cref="BadHttpRequestException"/> and become 400s.
/// Pages fall through to the /error page.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // By now the request path is already the /error page's: the feature keeps the original.
        var path = httpContext.Features.Get<IExceptionHandlerFeature>()?.Path ?? httpContext.Request.Path;
        if (!path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                (413, "Request body too large", "The request body is larger than this endpoint accepts."),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => (415, "Unsupported media type", RequestCharset.Problem),
            BadHttpRequestException bad => (bad.StatusCode, "Invalid request", BodyProblem(bad)),
            _ => (500, "Something went wrong", "The request failed on our side. Quote the trace id if you contact support."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled API error on {Method} {Path}", httpContext.Request.Method, path);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    // The JSON reader's path names the field (for example "$.email") but never echoes values; an unknown property's path is
    // its name, which is left out when it looks like a card number.
    private static string BodyProblem(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json
            ? $"The request body is not valid JSON for this endpoint{(json.Path is { Length: > 0 } path && !CardNumberDetector.ContainsCardNumber(path) ? $" at '{path}'" : "")}."
            : "The request could not be read. Send a JSON body with Content-Type: application/json.";
}
