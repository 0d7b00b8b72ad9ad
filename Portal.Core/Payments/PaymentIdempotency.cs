using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Core.Security;

namespace Portal.Core.Payments;

/// <summary>A created payment as answered, or as first answered when <see cref="Replayed"/>.</summary>
public sealed record PaymentAnswer(Payment Payment, bool Replayed = false);

/// <summary>A refund with its payment as answered, or as first answered when <see cref="Replayed"/>.</summary>
public sealed record RefundAnswer(Refund Refund, Payment Payment, bool Replayed = false);

/// <summary>
/// Idempotency keys of payments and refunds: checking a key, recording it pending and then completed with a snapshot of
/// the outcome, and answering a repeated key with that outcome (waiting for a request still in flight, or resuming one
/// that stopped half-way). Shared by <see cref="InitiatePayment"/> and <see cref="RefundPayment"/>.
/// </summary>
public sealed class PaymentIdempotency(IPaymentStore store, IOptions<PaymentOptions> options, TimeProvider clock)
{
    public const string PaymentsScope = "payments";
    public const string RefundsScope = "refunds";
    public const int MaxKeyLength = 255;

    // The snapshot is the domain record as first answered; computed members are not stored.
    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.General) { IgnoreReadOnlyProperties = true };

    private const string InvalidKeyTitle = "The Idempotency-Key header is invalid";
    private const string KeyHeader = "Idempotency-Key";

    /// <summary>Null for a usable key (or none); a validation error naming the <c>Idempotency-Key</c> header otherwise.</summary>
    public static Error? CheckKey(string? key) =>
        key is null ? null
        : key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~')
            ? Error.Validation(InvalidKeyTitle, KeyHeader, $"Idempotency-Key must be 1 to {MaxKeyLength} visible ASCII characters.")
        // The key is stored with the payment, so a card number sent as the key would be stored too. UUIDs and 32-hex keys
        // are exempt id shapes, so a random key is never refused.
        : CardNumberDetector.ContainsCardNumber(key)
            ? Error.Validation(InvalidKeyTitle, KeyHeader, "Idempotency-Key must not be a card number. Use a random value such as a UUID.")
        : null;

    public Task<IdempotencyRecord?> GetAsync(Guid merchantId, string scope, string key, CancellationToken cancellationToken) =>
        store.GetIdempotencyAsync(merchantId, scope, key, cancellationToken);

    /// <summary>A key taken for a request being processed, kept for the configured window.</summary>
    public IdempotencyRecord Pending(Guid merchantId, string scope, string key, string hash, Guid resourceId, DateTimeOffset now) =>
        new(merchantId, key, scope, hash, resourceId, IdempotentOutcome.Pending, null, now, now + options.Value.IdempotencyWindow);

    public static IdempotencyRecord Answered(IdempotencyRecord pending, Payment payment) =>
        pending with { Outcome = IdempotentOutcome.PaymentCreated, Snapshot = JsonSerializer.Serialize(payment, SnapshotJson) };

    public static IdempotencyRecord Answered(IdempotencyRecord pending, RefundAnswer refund) =>
        pending with { Outcome = IdempotentOutcome.RefundCreated, Snapshot = JsonSerializer.Serialize(refund with { Replayed = false }, SnapshotJson) };

    public static IdempotencyRecord Declined(IdempotencyRecord pending, string message) =>
        pending with { Outcome = IdempotentOutcome.RefundDeclined, Snapshot = message };

    /// <summary>A key still pending long after any live request would have finished: its request stopped half-way (the portal was stopped, or the processor call threw).</summary>
    public bool IsAbandoned(IdempotencyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return !record.Completed && clock.GetUtcNow() - record.CreatedAt > options.Value.ConcurrentRequestWait * 2;
    }

    /// <summary>
    /// The answer for a key seen before: "key reused" (unprocessable) when the request differs, the stored outcome once the first request
    /// completes (waiting for it a while), or what <paramref name="resumeAbandoned"/> makes of a key left pending.
    /// </summary>
    public async Task<Result<T>> ReplayAsync<T>(IdempotencyRecord existing, string hash, Func<IdempotencyRecord, Result<T>> read,
        Func<IdempotencyRecord, CancellationToken, Task<Result<T>?>>? resumeAbandoned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(read);
        if (!string.Equals(existing.RequestHash, hash, StringComparison.Ordinal))
        {
            return Error.Unprocessable("This idempotency key was already used for a different request. Use a new key for a new request.", "Idempotency key reused");
        }

        var waitUntil = clock.GetUtcNow() + options.Value.ConcurrentRequestWait;
        while (!existing.Completed)
        {
            if (resumeAbandoned is not null && IsAbandoned(existing) && await resumeAbandoned(existing, cancellationToken) is { } resumed)
            {
                return resumed;
            }

            if (clock.GetUtcNow() > waitUntil)
            {
                return new Error(ErrorKind.InProgress, "A request with this idempotency key is still being processed. Retry in a moment.", Title: "Request in progress")
                {
                    RetryAfter = TimeSpan.FromSeconds(1),
                };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), clock, cancellationToken);
            existing = await store.GetIdempotencyAsync(existing.MerchantId, existing.Scope, existing.Key, cancellationToken) ?? existing;
        }

        return read(existing);
    }

    /// <summary>The payment as first answered under a completed payments key.</summary>
    public static Result<PaymentAnswer> ReadPayment(IdempotencyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Outcome == IdempotentOutcome.PaymentCreated && record.Snapshot is { } snapshot
            ? new PaymentAnswer(JsonSerializer.Deserialize<Payment>(snapshot, SnapshotJson)!, Replayed: true)
            : Unreadable(record);
    }

    /// <summary>The refund (or the processor's refusal) as first answered under a completed refunds key.</summary>
    public static Result<RefundAnswer> ReadRefund(IdempotencyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Outcome switch
        {
            IdempotentOutcome.RefundCreated when record.Snapshot is { } snapshot =>
                JsonSerializer.Deserialize<RefundAnswer>(snapshot, SnapshotJson)! with { Replayed = true },
            IdempotentOutcome.RefundDeclined => RefundPayment.Declined(record.Snapshot) with { Replayed = true },
            _ => Unreadable(record),
        };
    }

    private static Error Unreadable(IdempotencyRecord record) =>
        Error.Conflict($"This idempotency key holds an answer of another kind ({record.Outcome}). Use a new key for a new request.");

    internal static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
