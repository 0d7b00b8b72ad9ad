using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core;

namespace Portal.Api;

/// <summary>The one mapping from a Core <see cref="Error"/> to its problem-details answer (RFC 9457, application/problem+json).</summary>
internal static class ApiProblems
{
    /// <summary>
    /// The answer for an error of any kind but <see cref="ErrorKind.Validation"/> (see <see cref="ToValidationProblem"/>):
    /// its status, a title (the error's own, else the kind's), the detail, and the Retry-After header where a retry helps.
    /// A not-found answer says what was not found (<paramref name="notFoundTitle"/>), with the error's detail only where
    /// the endpoint always gave one (<paramref name="notFoundDetail"/>).
    /// </summary>
    public static ProblemHttpResult ToProblem(this Error error, HttpContext context, string notFoundTitle = "Not found", bool notFoundDetail = false)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(context);
        if (error.RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (error.Replayed)
        {
            context.Response.Headers[PaymentsApi.ReplayedHeader] = "true";
        }

        return error.Kind switch
        {
            ErrorKind.NotFound => TypedResults.Problem(title: error.Title ?? notFoundTitle, detail: notFoundDetail ? error.Detail : null, statusCode: StatusCodes.Status404NotFound),
            ErrorKind.Forbidden => TypedResults.Problem(title: error.Title ?? "Forbidden", detail: error.Detail, statusCode: StatusCodes.Status403Forbidden),
            ErrorKind.Conflict => TypedResults.Problem(title: error.Title ?? "Conflict", detail: error.Detail, statusCode: StatusCodes.Status409Conflict),
            ErrorKind.InProgress => TypedResults.Problem(title: error.Title ?? "Request in progress", detail: error.Detail, statusCode: StatusCodes.Status409Conflict),
            ErrorKind.Unprocessable => TypedResults.Problem(title: error.Title ?? "Unprocessable request", detail: error.Detail, statusCode: StatusCodes.Status422UnprocessableEntity),
            ErrorKind.Unconfirmed => TypedResults.Problem(title: error.Title ?? "Outcome not confirmed yet", detail: error.Detail, statusCode: StatusCodes.Status503ServiceUnavailable),
            ErrorKind.Declined => TypedResults.Problem(title: error.Title ?? "Declined", detail: error.Detail, statusCode: StatusCodes.Status502BadGateway),
            ErrorKind.UnsupportedContent => TypedResults.Problem(title: error.Title ?? "Unsupported content", detail: error.Detail, statusCode: StatusCodes.Status415UnsupportedMediaType),
            ErrorKind.TooLarge => TypedResults.Problem(title: error.Title ?? "Too large", detail: error.Detail, statusCode: StatusCodes.Status413PayloadTooLarge),
            ErrorKind.RateLimited => TypedResults.Problem(title: error.Title ?? "Too many requests", detail: error.Detail, statusCode: StatusCodes.Status429TooManyRequests),
            // A validation error reaching here still answers 400 with its fields.
            ErrorKind.Validation => TypedResults.Problem(new HttpValidationProblemDetails(error.Fields ?? new Dictionary<string, string[]>())
            {
                Title = error.Title, Status = StatusCodes.Status400BadRequest,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(error), error.Kind, "Unknown error kind"),
        };
    }

    /// <summary>A 400 listing each bad field, titled with the error's title.</summary>
    public static ValidationProblem ToValidationProblem(this Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return TypedResults.ValidationProblem(error.Fields ?? new Dictionary<string, string[]>(), title: error.Title);
    }
}
