using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Audit;

/// <summary>
/// The chain rule: hash(n) = HMAC-SHA256(key, hash(n-1) || canonical(event n)). Keyed, so that someone who can write
/// the database but not read the key ring cannot forge a consistent chain after editing an event. The trace id is part of
/// the canonical form only when the event has one, so events written before trace ids existed hash exactly as they did.
/// </summary>
public sealed class AuditChain(byte[] key)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public string ComputeHash(AuditEvent e)
    {
        var canonical = string.Join('\u001f',
            e.Sequence.ToString(CultureInfo.InvariantCulture),
            e.Id.ToString("N"),
            e.OccurredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            e.ActorId ?? "",
            e.ActorName ?? "",
            e.ActorRole ?? "",
            e.Action,
            e.Target ?? "",
            e.SourceIp ?? "",
            e.Outcome.ToString(),
            e.Detail ?? "",
            e.PreviousHash);
        if (e.TraceId is { } traceId)
        {
            canonical += "\u001ftrace\u001f" + traceId;
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>A MAC over the head (last sequence and hash), kept outside the database to detect removal of the newest events.</summary>
    public string SignHead(long sequence, string hash) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"head\u001f{sequence}\u001f{hash}")));

    /// <summary>Walks events in ascending sequence order and reports the first break.</summary>
    public static AuditVerification Verify(AuditChain chain, IEnumerable<AuditEvent> ascending, AuditHead? head, DateTimeOffset now)
    {
        long expected = 1;
        var previous = GenesisHash;
        long checkedCount = 0;
        foreach (var e in ascending)
        {
            if (e.Sequence != expected)
            {
                return Broken(expected, $"Event {expected} is missing (next stored event is {e.Sequence}).");
            }

            if (!string.Equals(e.PreviousHash, previous, StringComparison.Ordinal))
            {
                return Broken(e.Sequence, $"Event {e.Sequence} does not link to the event before it.");
            }

            if (!string.Equals(chain.ComputeHash(e), e.Hash, StringComparison.Ordinal))
            {
                return Broken(e.Sequence, $"Event {e.Sequence} was changed after it was written.");
            }

            if (head is not null && e.Sequence == head.Sequence && !string.Equals(e.Hash, head.Hash, StringComparison.Ordinal))
            {
                return Broken(e.Sequence, $"Event {e.Sequence} does not match the signed head of the log.");
            }

            previous = e.Hash;
            expected++;
            checkedCount++;
        }

        // The head is the only witness of the log's length: without it, or with an older copy of it, events could have
        // been cut from the end unseen. So when events exist, a missing or older head is reported like any other break.
        if (head is null)
        {
            if (checkedCount > 0)
            {
                return Broken(checkedCount, $"The signed head of the log is missing, so removal of events from the end cannot be ruled out ({checkedCount} events stored).");
            }
        }
        else
        {
            if (!string.Equals(chain.SignHead(head.Sequence, head.Hash), head.Signature, StringComparison.Ordinal))
            {
                return Broken(head.Sequence, "The signed head of the log was altered.");
            }

            if (head.Sequence > checkedCount)
            {
                return Broken(checkedCount + 1, $"Events {checkedCount + 1} to {head.Sequence} were removed from the end of the log.");
            }

            if (head.Sequence < checkedCount)
            {
                return Broken(head.Sequence + 1,
                    $"The signed head of the log is older than the log (event {head.Sequence} of {checkedCount}): it was replaced by an earlier copy, or the portal stopped between a commit and its head write.");
            }
        }

        return new AuditVerification(true, checkedCount, null, null, now);

        AuditVerification Broken(long sequence, string problem) => new(false, checkedCount, sequence, problem, now);
    }
}

/// <summary>The newest sequence and hash, signed; written after each committed batch.</summary>
public sealed record AuditHead(long Sequence, string Hash, string Signature);
