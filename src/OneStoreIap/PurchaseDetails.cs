using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// What a lookup returns, whatever the product type: every field of getPurchaseDetails, getRecurringPurchaseDetails
    /// and getSubscriptionDetail, in one order, so that a mix of types (Import-Csv tokens.csv | Get-OneStorePurchase)
    /// exports every field of every row with Export-Csv (which takes its columns from the first object) and prints as
    /// one table. A field the type's reply does not have stays empty. The subclasses say which route answered.
    /// </summary>
    public abstract class PurchaseDetails
    {
        private protected PurchaseDetails(OneStoreProductType type) => Type = type;

        public OneStoreProductType Type { get; set; }
        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }
        /// <summary>In-app: the purchase id.</summary>
        public string? PurchaseId { get; set; }
        /// <summary>In-app: purchase completed or cancelled.</summary>
        public PurchaseState? PurchaseState { get; set; }
        /// <summary>In-app: consumed or not.</summary>
        public ConsumptionState? ConsumptionState { get; set; }
        /// <summary>Every type: acknowledgeState (in-app, auto) or acknowledgementState (subscription).</summary>
        public AcknowledgeState? AcknowledgeState { get; set; }
        /// <summary>
        /// Auto: the spec's entitlement rule (getRecurringPurchaseDetails): expiryTime &gt;= now AND lastPurchaseState == 0,
        /// evaluated when the purchase was looked up. Empty for the other types, for which the spec gives no such rule.
        /// </summary>
        public bool? IsEntitled { get; set; }
        /// <summary>Auto and subscription: whether the automatic payment is on.</summary>
        public bool? AutoRenewing { get; set; }
        /// <summary>Subscription: null in the reply (expired) reads as <see cref="SubscriptionPaymentState.Expired"/>.</summary>
        public SubscriptionPaymentState? PaymentState { get; set; }
        /// <summary>Auto and subscription: the last payment's id.</summary>
        public string? LastPurchaseId { get; set; }
        /// <summary>Auto: the last payment completed or cancelled.</summary>
        public PurchaseState? LastPurchaseState { get; set; }
        public long? PurchaseTimeMillis { get; set; }
        public DateTimeOffset? PurchaseTime { get; set; }
        public long? StartTimeMillis { get; set; }
        public DateTimeOffset? StartTime { get; set; }
        public long? ExpiryTimeMillis { get; set; }
        public DateTimeOffset? ExpiryTime { get; set; }
        public long? NextPaymentTimeMillis { get; set; }
        public DateTimeOffset? NextPaymentTime { get; set; }
        public long? CancelledTimeMillis { get; set; }
        public DateTimeOffset? CancelledTime { get; set; }
        public CancelReason? CancelReason { get; set; }
        public string? DeveloperPayload { get; set; }
        /// <summary>In-app: how many were bought.</summary>
        public int? Quantity { get; set; }
        public string? PriceAmount { get; set; }
        public long? PriceAmountMicros { get; set; }
        public string? NextPriceAmount { get; set; }
        public long? NextPriceAmountMicros { get; set; }
        public string? PriceCurrencyCode { get; set; }
        public string? CountryCode { get; set; }
        public long? PauseStartTimeMillis { get; set; }
        public DateTimeOffset? PauseStartTime { get; set; }
        public long? PauseEndTimeMillis { get; set; }
        public DateTimeOffset? PauseEndTime { get; set; }
        public long? AutoResumeTimeMillis { get; set; }
        public DateTimeOffset? AutoResumeTime { get; set; }
        public string? LinkedPurchaseToken { get; set; }
        public PromotionPrice? PromotionPrice { get; set; }
        public PriceChange? PriceChange { get; set; }
        public string? MarketCode { get; set; }
        public string? ClientId { get; set; }

        public override string ToString() => PurchaseToken ?? "";
    }
}
