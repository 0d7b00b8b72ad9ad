using Portal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;

namespace Portal.Tests.Unit.ApiKeys;

public sealed class ApiKeyServiceTests : IAsyncLifetime
{
    private readonly EmbeddedTestBed _bed = new("key-tests");
    private readonly Actor _merchant = new("user-1", "m@example.com", "Merchant", Guid.CreateVersion7(), "127.0.0.1");
    private SqliteApiKeyStore _store = default!;
    private ApiKeyService _service = default!;

    public ValueTask InitializeAsync()
    {
        _store = new SqliteApiKeyStore(_bed.Database("portal.db"));
        _service = new ApiKeyService(_store, _bed.Audit, _bed.Clock);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    [Fact]
    public async Task Created_key_is_prefixed_shown_once_and_stored_only_as_a_hash()
    {
        var created = (await _service.CreateAsync(_merchant, "checkout")).Value!;

        created.Secret.ShouldStartWith("sk_test_");
        created.Secret.Length.ShouldBe(40);
        using var connection = new SqliteConnection($"Data Source={_bed.PathOf("portal.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM api_keys";
        using var reader = command.ExecuteReader();
        reader.Read().ShouldBeTrue();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            (reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString()!).ShouldNotContain(created.Secret[8..]);
        }
    }

    [Fact]
    public async Task A_valid_key_authenticates_as_its_merchant_and_records_last_use()
    {
        var created = (await _service.CreateAsync(_merchant, "checkout")).Value!;

        var identity = await _service.AuthenticateAsync(created.Secret);

        identity.ShouldNotBeNull().MerchantId.ShouldBe(_merchant.MerchantId!.Value);
        (await _service.ListAsync(_merchant)).ShouldHaveSingleItem().LastUsedAt.ShouldBe(_bed.Clock.GetUtcNow());
    }

    [Theory]
    [InlineData("")]
    [InlineData("sk_test_")]
    [InlineData("sk_live_0123456789ABCDEFGHIJabcdefghij0123")]
    [InlineData("sk_test_0123456789ABCDEFGHIJabcdefghij01!3")]
    public async Task Malformed_or_unknown_keys_are_refused(string presented) =>
        (await _service.AuthenticateAsync(presented)).ShouldBeNull();

    [Fact]
    public async Task A_revoked_key_no_longer_authenticates()
    {
        var created = (await _service.CreateAsync(_merchant, "checkout")).Value!;

        (await _service.RevokeAsync(_merchant, created.Key.Id)).Succeeded.ShouldBeTrue();

        (await _service.AuthenticateAsync(created.Secret)).ShouldBeNull();
        (await _service.ListAsync(_merchant)).ShouldHaveSingleItem().IsActive.ShouldBeFalse();
    }

    [Fact]
    public async Task Another_merchant_cannot_revoke_or_list_the_key()
    {
        var created = (await _service.CreateAsync(_merchant, "checkout")).Value!;
        var other = _merchant with { UserId = "user-2", MerchantId = Guid.CreateVersion7() };

        (await _service.RevokeAsync(other, created.Key.Id)).Succeeded.ShouldBeFalse();
        (await _service.ListAsync(other)).ShouldBeEmpty();
        (await _service.AuthenticateAsync(created.Secret)).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("this name is far too long for a key name because it goes on and on")]
    public async Task Key_names_are_validated(string name)
    {
        var result = await _service.CreateAsync(_merchant, name);
        result.Succeeded.ShouldBeFalse();
        result.Error.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Staff_without_a_merchant_cannot_create_keys() =>
        (await _service.CreateAsync(_merchant with { MerchantId = null, Role = "Admin" }, "x")).Succeeded.ShouldBeFalse();

    [Fact]
    public async Task Creating_and_revoking_are_audited()
    {
        var created = (await _service.CreateAsync(_merchant, "checkout")).Value!;
        await _service.RevokeAsync(_merchant, created.Key.Id);

        var events = (await _bed.Audit.QueryAsync(new AuditQuery())).Events;
        events.Select(e => e.Action).ShouldBe([AuditActions.ApiKeyRevoked, AuditActions.ApiKeyCreated]);
        events.ShouldAllBe(e => e.ActorId == "user-1" && e.Target == created.Key.DisplayId);
        events.ShouldAllBe(e => !(e.Detail ?? "").Contains(created.Secret));
    }
}
