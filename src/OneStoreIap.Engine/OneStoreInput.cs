using System;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// Checks of input values before any request is sent, with the spec's data sizes
    /// (clientId 128, productId 150, purchaseToken 20, developerPayload 200).
    /// </summary>
    public static class OneStoreInput
    {
        public const int ClientIdMaxLength = 128;
        public const int ProductIdMaxLength = 150;
        public const int PurchaseTokenMaxLength = 20;
        public const int DeveloperPayloadMaxLength = 200;
        public const int MaxResultsMin = 1;
        public const int MaxResultsMax = 100;

        public static void ValidateClientId(string? value) =>
            ValidatePathValue(value, "client id", ClientIdMaxLength, OneStoreErrorCodes.InvalidClientId);

        public static void ValidateProductId(string? value) =>
            ValidatePathValue(value, "product id", ProductIdMaxLength, OneStoreErrorCodes.InvalidProductId);

        public static void ValidatePurchaseToken(string? value) =>
            ValidatePathValue(value, "purchase token", PurchaseTokenMaxLength, OneStoreErrorCodes.InvalidPurchaseToken);

        /// <summary>A developer payload is optional (null = not sent); when given it follows the spec's size.</summary>
        public static void ValidateDeveloperPayload(string? value)
        {
            if (value == null) return;
            const string code = OneStoreErrorCodes.InvalidDeveloperPayload;
            if (value.Length > DeveloperPayloadMaxLength)
                throw Invalid(code, $"The developer payload is {value.Length} characters long; the spec allows at most {DeveloperPayloadMaxLength}.");
            if (HasControlCharacter(value))
                throw Invalid(code, "The developer payload contains a control character.");
            if (HasUnpairedSurrogate(value))
                throw Invalid(code, "The developer payload contains an unpaired surrogate (not valid Unicode), which cannot be sent intact.");
        }

        public static void ValidateMaxResults(int? value)
        {
            if (value is int n && (n < MaxResultsMin || n > MaxResultsMax))
                throw Invalid(OneStoreErrorCodes.InvalidMaxResults, $"The page size {n} is outside the spec's range {MaxResultsMin}-{MaxResultsMax}.");
        }

        /// <summary>deferSubscription, Request Body: deferPeriod is 1-365 (days in Commercial, minutes in Sandbox).</summary>
        public const int DeferPeriodMax = 365;

        /// <summary>
        /// deferSubscription, Request Body: "Commercial: Daily (1-365)"; the spec gives Sandbox's minutes no range of
        /// their own, so the same 1-365 holds there (as Set-OneStoreSubscription -DeferPeriod's ValidateRange says).
        /// </summary>
        public static void ValidateDeferPeriod(int value)
        {
            if (value < 1 || value > DeferPeriodMax)
                throw Invalid(OneStoreErrorCodes.InvalidDeferPeriod, $"The defer period {value} is outside the spec's range 1-{DeferPeriodMax} (days in Commercial, minutes in Sandbox).");
        }

        public static void ValidateMarketCode(string? value)
        {
            if (value != OneStoreMarket.Korea && value != OneStoreMarket.Global)
                throw Invalid(OneStoreErrorCodes.InvalidMarketCode, $"The market code must be '{OneStoreMarket.Korea}' or '{OneStoreMarket.Global}'.");
        }

        /// <summary>
        /// A value that goes into a path segment: not empty or blank, within the spec's size, no control characters,
        /// and no '/' (ONE store's front server answers an encoded slash with an HTML 404, not the API's JSON).
        /// Everything else is sent percent-encoded as a UTF-8 segment.
        /// </summary>
        private static void ValidatePathValue(string? value, string what, int maxLength, string code)
        {
            if (value == null || value.Length == 0)
                throw Invalid(code, $"The {what} is empty.");
            if (string.IsNullOrWhiteSpace(value))
                throw Invalid(code, $"The {what} is blank (whitespace only).");
            if (value.Length > maxLength)
                throw Invalid(code, $"The {what} is {value.Length} characters long; the spec allows at most {maxLength}.");
            if (HasControlCharacter(value))
                throw Invalid(code, $"The {what} contains a control character.");
            if (HasUnpairedSurrogate(value))
                throw Invalid(code, $"The {what} contains an unpaired surrogate (not valid Unicode), which cannot be sent intact.");
            if (value.IndexOf('/') >= 0)
                throw Invalid(code, $"The {what} '{value}' contains '/', which ONE store cannot receive in a path.");
            if (value == "." || value == "..")
                throw Invalid(code, $"The {what} '{value}' is a relative path segment.");
            if (value.Trim().Length != value.Length)
                throw Invalid(code, $"The {what} '{value}' starts or ends with whitespace.");
        }

        /// <summary>
        /// A UTF-16 surrogate without its pair has no UTF-8 form: percent-encoding or JSON would send U+FFFD instead,
        /// so the server would see another value than the one given.
        /// </summary>
        internal static bool HasUnpairedSurrogate(string value)
        {
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        i++;
                        continue;
                    }
                    return true;
                }
                if (char.IsLowSurrogate(c)) return true;
            }
            return false;
        }

        internal static bool HasControlCharacter(string value)
        {
            foreach (char c in value)
            {
                if (char.IsControl(c)) return true;
            }
            return false;
        }

        private static OneStoreApiException Invalid(string code, string message) =>
            new OneStoreApiException(OneStoreErrorKind.Validation, code, message);
    }

    /// <summary>The spec's market classification codes (Market Classification).</summary>
    public static class OneStoreMarket
    {
        public const string Korea = "MKT_ONE";
        public const string Global = "MKT_GLB";

        /// <summary>
        /// The offset of the times in replies: the spec's "Market Classification" says MKT_ONE times are UTC+09,
        /// MKT_GLB times UTC+00. An unknown market is read as MKT_ONE, as the store assumes when the header is absent.
        /// </summary>
        public static TimeSpan GetOffset(string? marketCode) =>
            string.Equals(marketCode, Global, StringComparison.OrdinalIgnoreCase) ? TimeSpan.Zero : TimeSpan.FromHours(9);

        /// <summary>An epoch-millisecond time as a DateTimeOffset in the market's offset; null stays null.</summary>
        public static DateTimeOffset? ToDateTimeOffset(long? epochMillis, string? marketCode)
        {
            if (epochMillis is not long ms) return null;
            if (ms < -62135596800000L || ms > 253402300799999L) return null;
            return DateTimeOffset.FromUnixTimeMilliseconds(ms).ToOffset(GetOffset(marketCode));
        }
    }

    /// <summary>The spec's product types (In-app Type Code) as routes use them.</summary>
    public enum ProductKind
    {
        InApp,
        Auto,
        Subscription,
    }
}
