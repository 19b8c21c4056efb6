using System;

namespace OneStoreIap.Engine
{
    /// <summary>What kind of failure an <see cref="OneStoreApiException"/> reports.</summary>
    public enum OneStoreErrorKind
    {
        /// <summary>ONE store answered with its standard error body (spec: Standard Error Response Specifications).</summary>
        Api,
        /// <summary>The reply was not the spec's JSON (an HTML page from a proxy, truncated or oversized JSON, an empty body).</summary>
        Protocol,
        /// <summary>The request did not get a reply: connection refused or reset, DNS, TLS.</summary>
        Network,
        /// <summary>The request got no reply within the connection's per-request timeout.</summary>
        Timeout,
        /// <summary>An input value was refused before any request was sent.</summary>
        Validation,
    }

    /// <summary>
    /// The one exception type the engine throws for a failed ONE store call. <see cref="Code"/> is the spec's
    /// response code (e.g. <c>NoSuchData</c>) for <see cref="OneStoreErrorKind.Api"/> failures, and one of
    /// <see cref="OneStoreErrorCodes"/>' client-side codes otherwise. Messages never contain the client secret
    /// or an access token.
    /// </summary>
    public sealed class OneStoreApiException : Exception
    {
        public OneStoreApiException(OneStoreErrorKind kind, string code, string message, int? httpStatus = null,
            string? serverMessage = null, Exception? innerException = null)
            : base(message, innerException)
        {
            Kind = kind;
            Code = code;
            HttpStatus = httpStatus;
            ServerMessage = serverMessage;
        }

        /// <summary>What kind of failure this is.</summary>
        public OneStoreErrorKind Kind { get; }

        /// <summary>The spec's response code (<c>NoSuchData</c>, ...) or a client-side code (<c>ProtocolError</c>, <c>InvalidProductId</c>, ...).</summary>
        public string Code { get; }

        /// <summary>The HTTP status of the reply, when there was one.</summary>
        public int? HttpStatus { get; }

        /// <summary>The <c>message</c> of ONE store's error body, when there was one.</summary>
        public string? ServerMessage { get; }

        /// <summary>A delay the server asked for (<c>Retry-After</c>), when it did.</summary>
        public TimeSpan? RetryAfter { get; internal set; }

        /// <summary>
        /// True for failures worth retrying: 503, 500, 502, 504, 429, network failures and timeouts.
        /// Nothing else is retried (a 4xx will not change by asking again), nor a change that is not safe to repeat
        /// once it may have been applied.
        /// </summary>
        public bool IsTransient
        {
            get
            {
                if (MayHaveBeenApplied && !SafeToRepeat) return false;
                if (Code == OneStoreErrorCodes.CircuitOpen) return false; // held back: asking again at once is held back too
                if (Kind == OneStoreErrorKind.Network || Kind == OneStoreErrorKind.Timeout) return true;
                if (Kind == OneStoreErrorKind.Validation) return false;
                return HttpStatus is 500 or 502 or 503 or 504 or 429;
            }
        }

        /// <summary>
        /// For a listing's failed page: the continuationKey and window to start again from, losing and repeating
        /// nothing (<see cref="PurchasePager{T}"/>); null for other failures, and when the listing cannot be resumed
        /// (a server that loops).
        /// </summary>
        public ListingPosition? ResumeFrom { get; internal set; }

        /// <summary>True when the request may have reached the server although no reply came back.</summary>
        public bool MayHaveBeenApplied { get; internal set; }

        /// <summary>The same failure, its message extended and MayHaveBeenApplied set as given (messages are read-only).</summary>
        internal OneStoreApiException Restated(bool mayHaveBeenApplied, string addition) =>
            new OneStoreApiException(Kind, Code, Message + addition, HttpStatus, ServerMessage, InnerException)
            {
                RetryAfter = RetryAfter,
                ResumeFrom = ResumeFrom,
                MayHaveBeenApplied = mayHaveBeenApplied,
                SafeToRepeat = SafeToRepeat,
            };

        /// <summary>
        /// False for a call that would change something again if repeated (deferSubscription moves the payment date
        /// each time): after an attempt that may have been applied, it is not retried.
        /// </summary>
        internal bool SafeToRepeat { get; set; } = true;
    }

    /// <summary>The spec's response codes (Standard Response Code) and the engine's client-side codes.</summary>
    public static class OneStoreErrorCodes
    {
        // The spec's table.
        public const string AccessBlocked = "AccessBlocked";
        public const string AccessTokenExpired = "AccessTokenExpired";
        public const string BadRequest = "BadRequest";
        public const string DeveloperPayloadNotMatch = "DeveloperPayloadNotMatch";
        public const string InternalError = "InternalError";
        public const string InvalidAccessToken = "InvalidAccessToken";
        public const string InvalidAuthorizationHeader = "InvalidAuthorizationHeader";
        public const string InvalidConsumeState = "InvalidConsumeState";
        public const string InvalidContentType = "InvalidContentType";
        public const string InvalidPurchaseState = "InvalidPurchaseState";
        public const string InvalidRequest = "InvalidRequest";
        public const string MethodNotAllowed = "MethodNotAllowed";
        public const string NoSuchData = "NoSuchData";
        public const string RequiredValueNotExist = "RequiredValueNotExist";
        public const string ResourceNotFound = "ResourceNotFound";
        public const string ServiceMaintenance = "ServiceMaintenance";
        public const string Success = "Success";
        public const string UnauthorizedAccess = "UnauthorizedAccess";

        // Client-side codes.
        /// <summary>The reply was not the spec's JSON.</summary>
        public const string ProtocolError = "ProtocolError";
        /// <summary>The reply was larger than the engine reads.</summary>
        public const string ReplyTooLarge = "ReplyTooLarge";
        /// <summary>No reply: connection refused, reset, DNS, TLS.</summary>
        public const string NetworkError = "NetworkError";
        /// <summary>No reply within the per-request timeout.</summary>
        public const string RequestTimeout = "RequestTimeout";
        /// <summary>An HTTP error status without ONE store's error body code.</summary>
        public const string HttpError = "HttpError";

        public const string InvalidClientId = "InvalidClientId";
        public const string InvalidProductId = "InvalidProductId";
        public const string InvalidPurchaseToken = "InvalidPurchaseToken";
        public const string InvalidDeveloperPayload = "InvalidDeveloperPayload";
        public const string InvalidDeferPeriod = "InvalidDeferPeriod";
        public const string InvalidMaxResults = "InvalidMaxResults";
        public const string InvalidTimeRange = "InvalidTimeRange";

        /// <summary>Not sent: the connection holds requests back after a run of failures (ONE store looks down).</summary>
        public const string CircuitOpen = "CircuitOpen";
        public const string InvalidPath = "InvalidPath";
        public const string InvalidBaseUri = "InvalidBaseUri";
        public const string InvalidMarketCode = "InvalidMarketCode";
        public const string InvalidClientSecret = "InvalidClientSecret";
    }
}
