using System.Net;
using System.Text.RegularExpressions;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Drives the static account pages over HTTP as a browser would: GET the page, then POST its form with the page's hidden
/// fields (form name, antiforgery token) and the typed values. Use with <see cref="PortalFactory.HttpsClient"/>.
/// </summary>
public static partial class AccountForms
{
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, Dictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(fields);
        using var page = await client.GetAsync(path);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)page.StatusCode}");
        var form = new Dictionary<string, string>();
        foreach (Match input in HiddenInput().Matches(html))
        {
            var name = NameAttribute().Match(input.Value);
            var value = ValueAttribute().Match(input.Value);
            if (name.Success)
            {
                form[WebUtility.HtmlDecode(name.Groups[1].Value)] = value.Success ? WebUtility.HtmlDecode(value.Groups[1].Value) : "";
            }
        }

        foreach (var (key, value) in fields)
        {
            form[key] = value;
        }

        using var content = new FormUrlEncodedContent(form);
        return await client.PostAsync(path, content);
    }

    /// <summary>Password sign-in; answers the sign-in page's redirect.</summary>
    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string returnUrl = "/") =>
        PostAsync(client, $"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}",
            new() { ["Input.Email"] = email, ["Input.Password"] = PortalFactory.Password });

    /// <summary>
    /// A staff user without an authenticator signs in and enrols one (the path the portal forces on staff), leaving the client
    /// with a cookie that carries the second factor. Returns the enrolment page's answer (recovery codes, continue link).
    /// </summary>
    public static async Task<string> SignInAndEnrolAsync(HttpClient client, string email, string returnUrl = "/")
    {
        using var signedIn = await SignInAsync(client, email, returnUrl);
        var enrol = signedIn.Headers.Location?.OriginalString ?? "";
        Assert.True(enrol.Contains("/account/mfa", StringComparison.Ordinal), $"sign-in went to '{enrol}'");
        var page = await client.GetStringAsync(enrol);
        var key = TotpKey().Match(page).Groups[1].Value.Replace(" ", "", StringComparison.Ordinal);
        using var enrolled = await PostAsync(client, enrol, new() { ["Input.Code"] = Totp.Code(key) });
        var body = await enrolled.Content.ReadAsStringAsync();
        Assert.True(body.Contains("data-testid=\"mfa-continue\"", StringComparison.Ordinal), body);
        return body;
    }

    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*>")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("name=\"([^\"]*)\"")]
    private static partial Regex NameAttribute();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValueAttribute();

    [GeneratedRegex("data-testid=\"totp-key\">([^<]+)<")]
    private static partial Regex TotpKey();
}
