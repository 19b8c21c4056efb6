using System.Collections.Generic;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>The spec's "Standard Response Code" table.</summary>
    internal static class Codes
    {
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

        // The success bodies of the changing routes use the examples' wording; the table's Success row says
        // "The request has been completed successfully." but every example body says the sentence below.
        public const string SuccessMessage = "Request has been completed successfully.";

        private static readonly Dictionary<string, (int Status, string Message)> Table = new()
        {
            [AccessBlocked] = (403, "The request was blocked."),
            [AccessTokenExpired] = (401, "Access token has expired."),
            [BadRequest] = (400, "The request is invalid."),
            [DeveloperPayloadNotMatch] = (400, "The request developerPayload does not match the value passed in the purchase request."),
            [InternalError] = (500, "An undefined error has occurred."),
            [InvalidAccessToken] = (401, "Access token is invalid."),
            [InvalidAuthorizationHeader] = (400, "Authorization header is invalid."),
            [InvalidConsumeState] = (409, "The purchase consumption status cannot be changed or has already been changed."),
            [InvalidContentType] = (415, "The request content-type is invalid."),
            [InvalidPurchaseState] = (409, "Purchase history does not exist or is not completed."),
            [InvalidRequest] = (400, "Request parameters are invalid."),
            [MethodNotAllowed] = (405, "HTTP method not supported."),
            [NoSuchData] = (404, "The requested data could not be found."),
            [RequiredValueNotExist] = (400, "Request parameters are required."),
            [ResourceNotFound] = (404, "The requested resource could not be found."),
            [ServiceMaintenance] = (503, "System maintenance is in progress."),
            [UnauthorizedAccess] = (403, "Not authorized to access this API."),
        };

        public static bool IsKnown(string code) => Table.ContainsKey(code);

        public static int StatusOf(string code) => Table.TryGetValue(code, out var e) ? e.Status : 500;

        public static string MessageOf(string code) => Table.TryGetValue(code, out var e) ? e.Message : code;

        /// <summary>The message with the spec's field list, e.g. "Request parameters are invalid. [ startTime, endTime ]".</summary>
        public static string MessageOf(string code, IReadOnlyList<string>? fields)
        {
            var message = MessageOf(code);
            return fields == null || fields.Count == 0 ? message : message + " [ " + string.Join(", ", fields) + " ]";
        }

        /// <summary>The spec code that goes with a bare HTTP status (for faults given only a status).</summary>
        public static string? CodeForStatus(int status) => status switch
        {
            400 => BadRequest,
            401 => InvalidAccessToken,
            403 => UnauthorizedAccess,
            404 => ResourceNotFound,
            405 => MethodNotAllowed,
            409 => InvalidPurchaseState,
            415 => InvalidContentType,
            500 => InternalError,
            503 => ServiceMaintenance,
            _ => null,
        };
    }
}
