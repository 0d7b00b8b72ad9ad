using System.Text.Json;

namespace Portal.Tests.Infrastructure;

public static class HttpJson
{
    private static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Task<HttpResponseMessage> PostAsJsonAsync(this HttpClient client, string url, object body) =>
        HttpClientJsonExtensions.PostAsJsonAsync(client, url, body, Snake);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 body with the given status.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        var json = JsonDocument.Parse(text).RootElement.Clone();
        json.GetProperty("status").GetInt32().ShouldBe(status);
        json.TryGetProperty("title", out _).ShouldBeTrue();
        return json;
    }
}
