using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Portal.Api;

internal static class Validation
{
    /// <summary>Data-annotation validation of a request body, as a ValidationProblem keyed by the snake_case field names clients send.</summary>
    public static ValidationProblem? Validate<T>(T request) where T : notnull
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true))
        {
            return null;
        }

        var errors = results
            .SelectMany(r => r.MemberNames.DefaultIfEmpty("").Select(m => (Field: JsonNamingPolicy.SnakeCaseLower.ConvertName(m), r.ErrorMessage)))
            .GroupBy(x => x.Field)
            .ToDictionary(g => g.Key, g => g.Select(x => x.ErrorMessage ?? "is invalid").ToArray());
        return TypedResults.ValidationProblem(errors, title: "The request has invalid fields");
    }
}
