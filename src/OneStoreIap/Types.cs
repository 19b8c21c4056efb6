using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The spec's product types (In-app Type Code): <c>inapp</c>, <c>auto</c>, <c>subscription</c>.</summary>
    public enum OneStoreProductType
    {
        InApp,
        Auto,
        Subscription,
    }

    /// <summary>The spec's market classification codes.</summary>
    public enum OneStoreMarketCode
    {
        /// <summary>Korea (times in replies are UTC+09).</summary>
        MKT_ONE,
        /// <summary>Global (times in replies are UTC+00).</summary>
        MKT_GLB,
    }

    /// <summary>Which ONE store a connection talks to.</summary>
    public enum OneStoreEnvironment
    {
        Commercial,
        Sandbox,
        /// <summary>A base URI given with -BaseUri (the legacy Korean host, a proxy, the emulator).</summary>
        Custom,
    }

    /// <summary>purchaseState: 0 purchase completed, 1 cancellation completed.</summary>
    public enum PurchaseState
    {
        Completed = 0,
        Cancelled = 1,
    }

    /// <summary>consumptionState: 0 not consumed, 1 consumed.</summary>
    public enum ConsumptionState
    {
        NotConsumed = 0,
        Consumed = 1,
    }

    /// <summary>acknowledgeState / acknowledgementState: 0 not acknowledged, 1 acknowledged.</summary>
    public enum AcknowledgeState
    {
        NotAcknowledged = 0,
        Acknowledged = 1,
    }

    /// <summary>cancelReason: 0 by the user's request, 1 by other (system) processing.</summary>
    public enum CancelReason
    {
        UserRequest = 0,
        Other = 1,
    }

    /// <summary>
    /// getSubscriptionDetail's paymentState: null expired, 0 payment not completed, 1 completed, 2 free period,
    /// 3 DEFERRED during an upgrade or downgrade. Null in the reply reads as <see cref="Expired"/>.
    /// </summary>
    public enum SubscriptionPaymentState
    {
        Expired = -1,
        NotCompleted = 0,
        Completed = 1,
        FreePeriod = 2,
        Deferred = 3,
    }

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

    /// <summary>A looked-up managed (in-app) product purchase (getPurchaseDetails).</summary>
    public sealed class InAppPurchase : PurchaseDetails
    {
        public InAppPurchase() : base(OneStoreProductType.InApp) { }
    }

    /// <summary>A looked-up monthly auto-renewal purchase (getRecurringPurchaseDetails).</summary>
    public sealed class AutoRenewalPurchase : PurchaseDetails
    {
        public AutoRenewalPurchase() : base(OneStoreProductType.Auto) { }
    }

    /// <summary>A looked-up subscription (getSubscriptionDetail).</summary>
    public sealed class Subscription : PurchaseDetails
    {
        public Subscription() : base(OneStoreProductType.Subscription) { }
    }

    /// <summary>getSubscriptionDetail's promotionPrice; its string form reads well in a CSV cell.</summary>
    public sealed class PromotionPrice
    {
        public string? Price { get; set; }
        public long? PriceMicros { get; set; }
        public int? Period { get; set; }

        public override string ToString()
        {
            string period = Period is int p ? string.Format(CultureInfo.InvariantCulture, " for {0}", p) : "";
            return (Price ?? "") + period;
        }
    }

    /// <summary>getSubscriptionDetail's priceChange; its string form reads well in a CSV cell.</summary>
    public sealed class PriceChange
    {
        public int? Seq { get; set; }
        public string? PreviousPrice { get; set; }
        public long? PreviousPriceMicros { get; set; }
        public string? NewPrice { get; set; }
        public long? NewPriceMicros { get; set; }
        public long? ApplyTimeMillis { get; set; }
        public DateTimeOffset? ApplyTime { get; set; }
        public bool? Agreement { get; set; }
        public long? AgreementDueDateTimeMillis { get; set; }
        public DateTimeOffset? AgreementDueDateTime { get; set; }

        public override string ToString()
        {
            string apply = ApplyTime is DateTimeOffset at ? " from " + at.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) : "";
            string agreed = Agreement is bool a ? (a ? " (agreed)" : " (not agreed)") : "";
            return $"{PreviousPrice} -> {NewPrice}{apply}{agreed}";
        }
    }

    /// <summary>A row of getVoidedPurchases (a refunded or cancelled purchase). The spec's rows carry no product id.</summary>
    public sealed class VoidedPurchase
    {
        // No ProductId or Type: the voided list (spec getVoidedPurchases) carries neither, and a voided purchase's product
        // cannot be looked up without its product id. A refund handler maps PurchaseToken to what it granted in its own
        // records (examples/user-tests/Invoke-NightlyJob.ps1).
        public string? PurchaseToken { get; set; }
        public string? PurchaseId { get; set; }
        public long? PurchaseTimeMillis { get; set; }
        public DateTimeOffset? PurchaseTime { get; set; }
        public long? VoidedTimeMillis { get; set; }
        public DateTimeOffset? VoidedTime { get; set; }
        public string? MarketCode { get; set; }
        public string? ClientId { get; set; }

        public override string ToString() => PurchaseToken ?? "";
    }

    /// <summary>A row of getUnconfirmedPurchases (not yet acknowledged or consumed).</summary>
    public sealed class UnconfirmedPurchase
    {
        public OneStoreProductType? Type { get; set; }
        public string? OrderId { get; set; }
        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }
        public string? PurchaseId { get; set; }
        public long? PurchaseTimeMillis { get; set; }
        public DateTimeOffset? PurchaseTime { get; set; }
        public PurchaseState? PurchaseState { get; set; }
        public string? DeveloperPayload { get; set; }
        public int? Quantity { get; set; }
        public string? MarketCode { get; set; }
        public string? ClientId { get; set; }

        public override string ToString() => PurchaseToken ?? "";
    }

    /// <summary>The outcome of a changing call, one per item, for audit logs.</summary>
    public class OperationResult
    {
        /// <summary><c>Acknowledge</c>, <c>Consume</c>, <c>Cancel</c>, <c>Reactivate</c> or <c>Defer</c>.</summary>
        public string? Operation { get; set; }
        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }
        /// <summary>The product type: the route's, or the input's (a lookup, a list row, a CSV Type column) where the route serves every type.</summary>
        public OneStoreProductType? Type { get; set; }
        /// <summary>The purchase id, when the input carried it (a list row, a lookup, a CSV PurchaseId column).</summary>
        public string? PurchaseId { get; set; }
        public string? MarketCode { get; set; }
        public string? ClientId { get; set; }
        /// <summary>When the reply came (in the market's offset, as the store's own times).</summary>
        public DateTimeOffset? OperationTime { get; set; }
        /// <summary>The reply's code (<c>Success</c>).</summary>
        public string? Code { get; set; }
        public string? Message { get; set; }
        /// <summary>True when an earlier attempt whose reply was lost had already applied the change.</summary>
        public bool AlreadyApplied { get; set; }

        public override string ToString() => $"{Operation} {PurchaseToken}: {Code}";
    }

    /// <summary>The outcome of a defer (Set-OneStoreSubscription -PassThru): an operation result with the period asked for.</summary>
    public sealed class DeferResult : OperationResult
    {
        /// <summary>The deferPeriod sent: days in Commercial, minutes in Sandbox.</summary>
        public int? DeferPeriod { get; set; }
    }
}
