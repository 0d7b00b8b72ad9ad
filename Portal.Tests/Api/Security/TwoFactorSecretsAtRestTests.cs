using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Security;

/// <summary>Authenticator keys and recovery codes are sealed with the key ring in identity.db, and still work.</summary>
public sealed class TwoFactorSecretsAtRestTests(TwoFactorSecretsAtRestTests.Fixture fixture) : IClassFixture<TwoFactorSecretsAtRestTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000");

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private async Task<(PortalUser User, string Key, string[] Codes)> EnrolAsync()
    {
        var (user, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        var key = await Factory.EnableTotpAsync(user);
        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync((await users.FindByIdAsync(user.Id))!, 10))!.ToArray();
        return (user, key, codes);
    }

    /// <summary>The stored token rows of one user, read from the SQLite file itself, as a copy of it would be read.</summary>
    private List<(string Name, string Value)> RawTokens(string userId)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Factory.DataPath, "identity.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Name, Value FROM AspNetUserTokens WHERE UserId = $id";
        command.Parameters.AddWithValue("$id", userId);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private void WriteRawToken(string userId, string name, string value)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Factory.DataPath, "identity.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE AspNetUserTokens SET Value = $value WHERE UserId = $id AND LoginProvider = '[AspNetUserStore]' AND Name = $name";
        command.Parameters.AddWithValue("$id", userId);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery().ShouldBe(1);
    }

    [Fact]
    public async Task Identity_db_holds_neither_the_authenticator_key_nor_the_recovery_codes_in_plaintext()
    {
        var (user, key, codes) = await EnrolAsync();

        var rows = RawTokens(user.Id);

        rows.Select(r => r.Name).ShouldBe(["AuthenticatorKey", "RecoveryCodes"], ignoreOrder: true);
        foreach (var (name, value) in rows)
        {
            value.ShouldNotContain(key, Case.Insensitive, name);
            foreach (var code in codes)
            {
                value.ShouldNotContain(code, Case.Insensitive, name);
            }
        }
    }

    [Fact]
    public async Task Sign_in_with_a_totp_code_and_with_a_recovery_code_still_works()
    {
        var (user, key, codes) = await EnrolAsync();

        using var client = Factory.CreateClient();
        using var token = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = PortalFactory.Password, totp_code = Totp.Code(key) });
        token.IsSuccessStatusCode.ShouldBeTrue(await token.Content.ReadAsStringAsync());

        // The recovery-code sign-in page redeems through the same call.
        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var fresh = (await users.FindByIdAsync(user.Id))!;
        (await users.RedeemTwoFactorRecoveryCodeAsync(fresh, codes[3])).Succeeded.ShouldBeTrue();
        (await users.RedeemTwoFactorRecoveryCodeAsync(fresh, codes[3])).Succeeded.ShouldBeFalse(); // once only
        (await users.CountRecoveryCodesAsync(fresh)).ShouldBe(codes.Length - 1);
        RawTokens(user.Id).Single(r => r.Name == "RecoveryCodes").Value.ShouldNotContain(codes[4]);
    }

    [Fact]
    public async Task Plaintext_secrets_from_an_earlier_version_still_work_and_are_sealed_at_start_up()
    {
        var (user, _, _) = await EnrolAsync();
        const string legacyKey = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        WriteRawToken(user.Id, "AuthenticatorKey", legacyKey);
        WriteRawToken(user.Id, "RecoveryCodes", "AAAAA-11111;BBBBB-22222");

        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var fresh = (await users.FindByIdAsync(user.Id))!;
        (await users.GetAuthenticatorKeyAsync(fresh)).ShouldBe(legacyKey);
        (await users.CountRecoveryCodesAsync(fresh)).ShouldBe(2);

        var sealedCount = await SealedTwoFactorUserStore.SealLegacyValuesAsync(
            scope.ServiceProvider.GetRequiredService<PortalIdentityDbContext>(), scope.ServiceProvider.GetRequiredService<TwoFactorSecretSealer>());

        sealedCount.ShouldBeGreaterThanOrEqualTo(2);
        RawTokens(user.Id).ShouldAllBe(r => r.Value.StartsWith(TwoFactorSecretSealer.Prefix));
        await using var after = Factory.Services.CreateAsyncScope();
        var again = after.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        (await again.GetAuthenticatorKeyAsync((await again.FindByIdAsync(user.Id))!)).ShouldBe(legacyKey);
        (await again.RedeemTwoFactorRecoveryCodeAsync((await again.FindByIdAsync(user.Id))!, "BBBBB-22222")).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task A_sealed_key_copied_to_another_users_row_does_not_open()
    {
        var (alice, _, _) = await EnrolAsync();
        var (mallory, _, _) = await EnrolAsync();
        WriteRawToken(mallory.Id, "AuthenticatorKey", RawTokens(alice.Id).Single(r => r.Name == "AuthenticatorKey").Value);

        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var target = (await users.FindByIdAsync(mallory.Id))!;

        await Should.ThrowAsync<System.Security.Cryptography.CryptographicException>(() => users.GetAuthenticatorKeyAsync(target));
    }
}
