using System;
using System.Collections.Generic;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>
    /// The fields each seed entry and control-API body may have. An unknown field is a 400 naming it: a typo such as
    /// {"day":2} would otherwise be ignored and the test that sent it would pass while testing nothing. Keys starting
    /// with "//" are comments (the built-in seed has one).
    /// </summary>
    internal static class Fields
    {
        public static readonly string[] SeedRoot = { "apps", "products", "purchases", "bulk" };
        public static readonly string[] App = { "clientId", "clientSecret", "markets", "blocked", "notificationUri", "privateKey" };
        public static readonly string[] Product = { "clientId", "productId", "type" };

        public static readonly string[] Purchase =
        {
            "clientId", "productId", "type", "marketCode", "purchaseToken", "purchaseId", "orderId", "developerPayload", "quantity",
            "purchaseTime", "consumed", "consumptionState", "acknowledged", "acknowledgeState", "acknowledgementState",
            "startTime", "startTimeMillis", "expiryTime", "expiryTimeMillis", "cancelledTime", "cancelledTimeMillis", "cancelReason",
            "autoRenewing", "nextPaymentTime", "nextPaymentTimeMillis", "lastPurchaseId", "immediatelyCancelled",
            "paymentState", "priceAmount", "priceAmountMicros", "nextPriceAmount", "nextPriceAmountMicros", "priceCurrencyCode",
            "countryCode", "pauseStartTime", "pauseStartTimeMillis", "pauseEndTime", "pauseEndTimeMillis", "autoResumeTime",
            "autoResumeTimeMillis", "linkedPurchaseToken", "promotionPrice", "priceChange", "voided", "voidedTime",
        };

        public static readonly string[] PromotionPrice = { "promotionPrice", "promotionPriceMicros", "promotionPeriod" };

        public static readonly string[] PriceChange =
        {
            "seq", "previousPrice", "previousPriceMicros", "newPrice", "newPriceMicros", "applyTime", "applyTimeMillis", "agreement",
            "agreementDueDateTimeMillis",
        };

        public static readonly string[] Bulk =
        {
            "clientId", "productId", "type", "marketCode", "count", "voided", "acknowledged", "consumed", "spacing", "spacingMs",
            "voidedAfter", "purchaseTime", "tokenPrefix", "developerPayload", "quantity",
        };

        public static readonly string[] Fault =
        {
            "route", "method", "status", "code", "message", "body", "contentType", "retryAfter", "count", "skip", "rate", "seed",
            "latencyMs", "latencyJitterMs", "drop",
        };

        public static readonly string[] Advance = { "days", "hours", "minutes", "seconds", "milliseconds" };
        public static readonly string[] Void = { "voidedTime" };
        public static readonly string[] None = Array.Empty<string>();

        /// <summary>Throws a <see cref="SeedException"/> naming every field of <paramref name="e"/> that is not in <paramref name="known"/>.</summary>
        public static void Check(JsonElement e, string what, string[] known)
        {
            if (e.ValueKind != JsonValueKind.Object) throw new SeedException(char.ToUpperInvariant(what[0]) + what.Substring(1) + " must be a JSON object.");
            List<string>? unknown = null;
            foreach (var property in e.EnumerateObject())
            {
                if (property.Name.StartsWith("//", StringComparison.Ordinal) || Array.IndexOf(known, property.Name) >= 0) continue;
                (unknown ??= new List<string>()).Add("'" + property.Name + "'");
            }
            if (unknown == null) return;
            var accepted = known.Length == 0 ? "it takes no fields" : "known fields: " + string.Join(", ", known);
            throw new SeedException("Unknown field" + (unknown.Count > 1 ? "s " : " ") + string.Join(", ", unknown) + " in " + what + "; " + accepted + ".");
        }
    }
}
