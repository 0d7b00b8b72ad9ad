using System.Diagnostics.CodeAnalysis;

namespace Portal.Core;

/// <summary>Why a use case did not do what was asked. The API maps each kind to one answer (Portal/Api ToProblem).</summary>
public enum ErrorKind
{
    /// <summary>Fields of the request are wrong; <see cref="Error.Fields"/> says which.</summary>
    Validation,

    /// <summary>No such thing, or not the caller's to see (another merchant's record looks unknown).</summary>
    NotFound,

    /// <summary>The caller may not do this.</summary>
    Forbidden,

    /// <summary>The state does not allow it (a stale version, a duplicate, a changed payment).</summary>
    Conflict,

    /// <summary>Well formed but not processable, e.g. an idempotency key reused for a different request.</summary>
    Unprocessable,

    /// <summary>The same request is still being worked on; ask again in a moment.</summary>
    InProgress,

    /// <summary>A downstream party (the processor) did not confirm the outcome yet; a retry with the same key settles it.</summary>
    Unconfirmed,

    /// <summary>A downstream party (the processor) refused or failed the operation.</summary>
    Declined,

    /// <summary>The content is of a kind that is not accepted (a file format).</summary>
    UnsupportedContent,

    /// <summary>The content is too large, or would pass a storage quota.</summary>
    TooLarge,

    /// <summary>Too many requests of this kind for now; <see cref="Error.RetryAfter"/> says when to come back.</summary>
    RateLimited,
}

/// <summary>
/// A domain failure: its <see cref="Kind"/>, a message for people (<see cref="Detail"/>), an optional <see cref="Title"/>
/// when the kind's default heading does not fit, and the bad <see cref="Fields"/> of a <see cref="ErrorKind.Validation"/>.
/// <see cref="Replayed"/> is set when the failure is the stored answer to an idempotency key used before.
/// </summary>
public sealed record Error(ErrorKind Kind, string? Detail = null, IReadOnlyDictionary<string, string[]>? Fields = null, string? Title = null)
{
    public bool Replayed { get; init; }

    /// <summary>When a retry may succeed, for kinds that are temporary (in progress, unconfirmed, rate limited).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static Error Validation(string title, IReadOnlyDictionary<string, string[]> fields) => new(ErrorKind.Validation, null, fields, title);

    public static Error Validation(string title, string field, string message) => Validation(title, new Dictionary<string, string[]> { [field] = [message] });

    public static Error NotFound(string? detail = null) => new(ErrorKind.NotFound, detail);

    public static Error Forbidden(string detail) => new(ErrorKind.Forbidden, detail);

    public static Error Conflict(string detail, string? title = null) => new(ErrorKind.Conflict, detail, Title: title);

    public static Error Unprocessable(string detail, string? title = null) => new(ErrorKind.Unprocessable, detail, Title: title);

    /// <summary>The detail, else the title: one line for a screen.</summary>
    public string Message => Detail ?? Title ?? FirstFieldMessage ?? Kind.ToString();

    /// <summary>The first field's message, else <see cref="Message"/>: what to show next to a single input.</summary>
    public string Explanation => FirstFieldMessage ?? Message;

    private string? FirstFieldMessage => Fields?.Values.SelectMany(v => v).FirstOrDefault();
}

/// <summary>A use case's outcome without a value: success or an <see cref="Core.Error"/>.</summary>
public readonly record struct Result(Error? Error)
{
    public static Result Ok => default;

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Result(Error error) => new(error);
}

/// <summary>A use case's outcome: a <see cref="Value"/> or an <see cref="Core.Error"/>, never both.</summary>
public readonly record struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, Error? error)
    {
        _value = value;
        Error = error;
    }

    public Error? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>The value; the type's default when the result is a failure.</summary>
    public T? Value => _value;

    public bool TryGet([MaybeNullWhen(false)] out T value)
    {
        value = _value!;
        return Error is null;
    }

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(Error error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    public static implicit operator Result<T>(T value) => Ok(value);

    public static implicit operator Result<T>(Error error) => Fail(error);

    public Result<TOut> Map<TOut>(Func<T, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Error is null ? Result<TOut>.Ok(map(_value!)) : Result<TOut>.Fail(Error);
    }
}
