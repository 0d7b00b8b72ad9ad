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
}

/// <summary>
/// A domain failure: its <see cref="Kind"/>, a message for people (<see cref="Detail"/>), an optional <see cref="Title"/>
/// when the kind's default heading does not fit, and the bad <see cref="Fields"/> of a <see cref="ErrorKind.Validation"/>.
/// <see cref="Replayed"/> is set when the failure is the stored answer to an idempotency key used before.
/// </summary>
public sealed record Error(ErrorKind Kind, string? Detail = null, IReadOnlyDictionary<string, string[]>? Fields = null, string? Title = null)
{
    public bool Replayed { get; init; }

    public static Error Validation(string title, IReadOnlyDictionary<string, string[]> fields) => new(ErrorKind.Validation, null, fields, title);

    public static Error Validation(string title, string field, string message) => Validation(title, new Dictionary<string, string[]> { [field] = [message] });

    public static Error NotFound(string? detail = null) => new(ErrorKind.NotFound, detail);

    public static Error Forbidden(string detail) => new(ErrorKind.Forbidden, detail);

    public static Error Conflict(string detail, string? title = null) => new(ErrorKind.Conflict, detail, Title: title);

    public static Error Unprocessable(string detail, string? title = null) => new(ErrorKind.Unprocessable, detail, Title: title);

    /// <summary>The first field message, or the detail: one line for a screen.</summary>
    public string Message => Fields?.Values.SelectMany(v => v).FirstOrDefault() ?? Detail ?? Title ?? Kind.ToString();
}

/// <summary>A use case's outcome without a value: success or an <see cref="Core.Error"/>.</summary>
public readonly record struct Result(Error? Error)
{
    public static Result Ok => default;

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

    public bool Succeeded => Error is null;

    /// <summary>The value; throws when the result is a failure (check <see cref="Succeeded"/> or use <see cref="TryGet"/>).</summary>
    public T Value => Error is null ? _value! : throw new InvalidOperationException($"The result is a failure ({Error.Kind}): {Error.Message}");

    public bool TryGet(out T value)
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
