using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Api.OpenApi;

/// <summary>
/// Request records marked <see cref="ApiRequestAttribute"/>: only the properties with <see cref="RequiredAttribute"/> are required
/// (and not nullable); the others may be left out or sent as null. Response records keep every property required: the
/// serializer always writes them (null where the type allows it).
/// </summary>
internal sealed class ApiSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is not null || type.GetCustomAttribute<ApiRequestAttribute>() is null || schema.Properties is null)
        {
            return Task.CompletedTask;
        }

        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true)
            {
                required.Add(property.Name);
                if (schema.Properties.TryGetValue(property.Name, out var child) && child is OpenApiSchema concrete && concrete.Type is { } t)
                {
                    concrete.Type = t & ~JsonSchemaType.Null;
                }
            }
        }

        schema.Required = required;
        return Task.CompletedTask;
    }
}
