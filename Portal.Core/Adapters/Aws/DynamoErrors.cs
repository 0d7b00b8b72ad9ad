using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Portal.Core.Adapters.Aws;

/// <summary>
/// Every DynamoDB call of the adapters goes through <see cref="Guard{T}"/>: throttling (provisioned throughput, request
/// limits), the service failing (5xx) and the service not being reachable become <see cref="StorageUnavailableException"/>.
/// Domain answers stay as they are for the adapter to turn into results: a conditional check or a transaction cancelled
/// for a condition, a conflict. The caller's own cancellation stays a cancellation.
/// </summary>
internal static class DynamoErrors
{
    public static async Task<T> Guard<T>(Task<T> call, string store, CancellationToken cancellationToken)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            throw new StorageUnavailableException(store, ex);
        }
    }

    internal static bool IsUnavailable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        ConditionalCheckFailedException or TransactionCanceledException or TransactionConflictException => false,
        ProvisionedThroughputExceededException or RequestLimitExceededException or InternalServerErrorException => true,
        AmazonServiceException service when service.StatusCode >= HttpStatusCode.InternalServerError
            || service.ErrorCode is "ThrottlingException" or "ServiceUnavailable" => true,
        AmazonServiceException { StatusCode: 0 } => true, // no HTTP answer at all: the endpoint was not reached
        AmazonClientException or HttpRequestException or IOException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // a timeout, not the caller giving up
        _ => false,
    };
}
