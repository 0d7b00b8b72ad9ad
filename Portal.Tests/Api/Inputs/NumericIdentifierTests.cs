using System.Net;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Inputs;

/// <summary>
/// Digits are ASCII digits. .NET's \d and char.IsDigit match every script's digits, so without this the same CAC number
/// spelled in fullwidth or Arabic-Indic digits registered a second merchant.
/// </summary>
public sealed class NumericIdentifierTests(NumericIdentifierTests.Fixture fixture) : IClassFixture<NumericIdentifierTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000");

        public string AdminToken { get; private set; } = "";

        public string ComplianceToken { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);
            ComplianceToken = await Factory.StaffTokenAsync(PortalRoles.Compliance);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private static int _cac = Random.Shared.Next(100_000, 800_000);

    private static string NextCac() => Interlocked.Increment(ref _cac).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The same number in another script's decimal digits (U+FF10 fullwidth, U+0660 Arabic-Indic, U+0966 Devanagari).</summary>
    private static string Spell(string asciiDigits, char zero) => string.Concat(asciiDigits.Select(c => (char)(zero + (c - '0'))));

    [Theory]
    [InlineData('\uFF10')]
    [InlineData('\u0660')]
    [InlineData('\u0966')]
    public async Task Register_rejects_a_cac_number_in_another_scripts_digits_and_creates_no_second_merchant(char zero)
    {
        using var client = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        var cac = NextCac();
        using var first = await client.PostAsJsonAsync("/api/v1/merchants", new { business_name = "Ada Stores", cac_number = cac, contact_email = "a@ada.example" });
        first.StatusCode.ShouldBe(HttpStatusCode.Created);

        using var second = await client.PostAsJsonAsync("/api/v1/merchants", new { business_name = "Ada Stores Two", cac_number = Spell(cac, zero), contact_email = "b@ada.example" });

        var problem = await second.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").GetProperty("cac_number")[0].GetString()!.ShouldContain("6 digits");
        var list = await (await client.GetAsync($"/api/v1/merchants?cac_number={cac}")).JsonAsync();
        list.GetProperty("count").GetInt32().ShouldBe(1);
    }

    [Theory]
    [InlineData("/api/v1/merchants?cac_number=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96", "cac_number")] // fullwidth 123456
    [InlineData("/api/v1/merchants?limit=%EF%BC%95", "limit")] // fullwidth 5
    [InlineData("/api/v1/merchants?limit=%2B5", "limit")] // +5
    [InlineData("/api/v1/payments?limit=%205", "limit")] // " 5"
    [InlineData("/api/v1/payments?limit=%D9%A5", "limit")] // Arabic-Indic 5
    public async Task Query_numbers_in_other_spellings_are_a_400_naming_the_parameter(string url, string parameter)
    {
        using var client = fixture.Factory.ClientWithBearer(fixture.AdminToken);
        using var response = await client.GetAsync(url);

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("limit=%2B5", "limit")]
    [InlineData("limit=%EF%BC%95", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("cursor=%205", "cursor")] // the old numeric "before" is gone: cursors are signed
    [InlineData("cursor=%E0%A5%AB", "cursor")] // Devanagari 5
    [InlineData("from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-11-25", "from")] // fullwidth year
    public async Task Audit_paging_numbers_are_ascii_digits_or_a_400_naming_the_parameter(string query, string parameter)
    {
        using var client = fixture.Factory.ClientWithBearer(fixture.ComplianceToken);
        using var response = await client.GetAsync("/api/v1/audit/events?" + query);

        (await response.ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue();
    }

    public static TheoryData<string> OtherSpellings() => ["0{0}", "+{0}", " {0}", "{0} ", "fullwidth"];

    [Theory]
    [MemberData(nameof(OtherSpellings))]
    public async Task A_totp_code_in_another_spelling_is_a_400_naming_the_field(string spelling)
    {
        var (user, _) = await fixture.Factory.CreateUserAsync(PortalRoles.Admin);
        var key = await fixture.Factory.EnableTotpAsync(user);
        var code = Totp.Code(key);
        var sent = spelling == "fullwidth" ? Spell(code, '\uFF10') : string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, code);
        using var client = fixture.Factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = PortalFactory.Password, totp_code = sent });

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("errors").TryGetProperty("totp_code", out _).ShouldBeTrue();
        problem.ToString().ShouldNotContain(code);
    }
}
