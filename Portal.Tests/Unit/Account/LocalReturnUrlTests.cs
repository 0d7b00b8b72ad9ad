using Portal.Components.Account;

namespace Portal.Tests.Unit.Account;

public sealed class LocalReturnUrlTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/admin/kyc")]
    [InlineData("/payments?status=failed&page=2")]
    [InlineData("/account/mfa#codes")]
    public void A_path_on_this_site_is_local(string url) => LocalReturnUrl.IsLocal(url).ShouldBeTrue();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("http://localhost/admin")]
    [InlineData("javascript:alert(1)")]
    [InlineData("evil.example")]
    [InlineData(" /admin")]
    [InlineData("/\t/evil.example")]
    [InlineData("/\r\n/evil.example")]
    [InlineData("/admin\u0000")]
    [InlineData("\\\\evil.example")]
    public void Another_site_or_a_control_character_is_not_local(string? url)
    {
        LocalReturnUrl.IsLocal(url).ShouldBeFalse();
        LocalReturnUrl.OrHome(url).ShouldBe("/");
    }
}
