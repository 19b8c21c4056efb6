using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace OneStoreIap.Engine
{
    // Reply shapes of the spec, field for field (camelCase in JSON). Every field is nullable: the spec leaves many
    // loose (paymentState null = expired, missing fields in older replies), and a missing field must not fail a read.

    /// <summary>getPurchaseDetails reply.</summary>
    public sealed class InAppPurchaseDetails
    {
        public int? ConsumptionState { get; set; }
        public string? DeveloperPayload { get; set; }
        public int? PurchaseState { get; set; }
        public long? PurchaseTime { get; set; }
        public string? PurchaseId { get; set; }

        /// <summary>
        /// acknowledgeState (getPurchaseDetails, Response Body). getSubscriptionDetail spells the same field
        /// acknowledgementState; a reply that does so here is read too (the spelling the table gives wins when both come).
        /// </summary>
        public int? AcknowledgeState { get => _acknowledgeState ?? _acknowledgementState; set => _acknowledgeState = value; }

        [JsonInclude, JsonPropertyName("acknowledgementState")]
        internal int? AcknowledgementStateSpelling { get => _acknowledgementState; set => _acknowledgementState = value; }

        public int? Quantity { get; set; }

        private int? _acknowledgeState;
        private int? _acknowledgementState;
    }

    /// <summary>getRecurringPurchaseDetails reply.</summary>
    public sealed class RecurringPurchaseDetails
    {
        public long? StartTime { get; set; }
        public long? ExpiryTime { get; set; }
        public long? NextPaymentTime { get; set; }
        public bool? AutoRenewing { get; set; }
        public int? CancelReason { get; set; }
        public long? CancelledTime { get; set; }

        /// <summary>
        /// acknowledgeState (getRecurringPurchaseDetails, Response Body); acknowledgementState, getSubscriptionDetail's
        /// spelling, is read too (the spelling the table gives wins when both come).
        /// </summary>
        public int? AcknowledgeState { get => _acknowledgeState ?? _acknowledgementState; set => _acknowledgeState = value; }

        [JsonInclude, JsonPropertyName("acknowledgementState")]
        internal int? AcknowledgementStateSpelling { get => _acknowledgementState; set => _acknowledgementState = value; }

        public string? LastPurchaseId { get; set; }
        public int? LastPurchaseState { get; set; }

        private int? _acknowledgeState;
        private int? _acknowledgementState;
    }

    /// <summary>getSubscriptionDetail reply.</summary>
    public sealed class SubscriptionDetails
    {
        /// <summary>
        /// acknowledgementState (getSubscriptionDetail, Response Body); acknowledgeState, the spelling of
        /// getPurchaseDetails and getRecurringPurchaseDetails, is read too (the table's spelling wins when both come).
        /// </summary>
        public int? AcknowledgementState { get => _acknowledgementState ?? _acknowledgeState; set => _acknowledgementState = value; }

        [JsonInclude, JsonPropertyName("acknowledgeState")]
        internal int? AcknowledgeStateSpelling { get => _acknowledgeState; set => _acknowledgeState = value; }

        private int? _acknowledgementState;
        private int? _acknowledgeState;

        public string? DeveloperPayload { get; set; }
        public bool? AutoRenewing { get; set; }
        public int? PaymentState { get; set; }
        public string? PriceAmount { get; set; }
        public long? PriceAmountMicros { get; set; }
        public string? NextPriceAmount { get; set; }
        public long? NextPriceAmountMicros { get; set; }
        public long? NextPaymentTimeMillis { get; set; }
        public string? PriceCurrencyCode { get; set; }
        public string? CountryCode { get; set; }
        public long? StartTimeMillis { get; set; }
        public long? ExpiryTimeMillis { get; set; }
        public long? PauseStartTimeMillis { get; set; }
        public long? PauseEndTimeMillis { get; set; }
        public long? AutoResumeTimeMillis { get; set; }
        public string? LinkedPurchaseToken { get; set; }
        public string? LastPurchaseId { get; set; }
        public long? CancelledTimeMillis { get; set; }
        public int? CancelReason { get; set; }
        public PromotionPriceDetails? PromotionPrice { get; set; }
        public PriceChangeDetails? PriceChange { get; set; }
    }

    /// <summary>getSubscriptionDetail's promotionPrice object.</summary>
    public sealed class PromotionPriceDetails
    {
        public string? PromotionPrice { get; set; }
        public long? PromotionPriceMicros { get; set; }
        public int? PromotionPeriod { get; set; }
    }

    /// <summary>getSubscriptionDetail's priceChange object.</summary>
    public sealed class PriceChangeDetails
    {
        public int? Seq { get; set; }
        public string? PreviousPrice { get; set; }
        public long? PreviousPriceMicros { get; set; }
        public string? NewPrice { get; set; }
        public long? NewPriceMicros { get; set; }
        public long? ApplyTimeMillis { get; set; }
        public bool? Agreement { get; set; }
        public long? AgreementDueDateTimeMillis { get; set; }
    }

    /// <summary>One row of getVoidedPurchases' voidedPurchaseList.</summary>
    public sealed class VoidedPurchaseItem
    {
        public string? PurchaseId { get; set; }
        public long? PurchaseTime { get; set; }
        public long? VoidedTime { get; set; }
        public string? PurchaseToken { get; set; }
        public string? MarketCode { get; set; }
    }

    /// <summary>One row of getUnconfirmedPurchases' unconfirmedPurchaseList.</summary>
    public sealed class UnconfirmedPurchaseItem
    {
        public string? Type { get; set; }
        public string? OrderId { get; set; }
        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }
        public string? PurchaseId { get; set; }
        public long? PurchaseTime { get; set; }
        public int? PurchaseState { get; set; }
        public string? DeveloperPayload { get; set; }
        public int? Quantity { get; set; }
        public string? MarketCode { get; set; }
    }

    /// <summary>A list page's reply, read but not yet parsed.</summary>
    public sealed class PurchaseListReply
    {
        internal PurchaseListReply(byte[] body, OneStoreClient.CallState call, string? earlyContinuationKey)
        {
            Body = body;
            Call = call;
            EarlyContinuationKey = earlyContinuationKey;
        }

        internal byte[] Body { get; }

        /// <summary>The call that fetched it: its method and path name the page in a parse error.</summary>
        internal OneStoreClient.CallState Call { get; }

        /// <summary>
        /// The key for the next page when the reply starts with it (the spec's layout), known before the rows are parsed;
        /// null otherwise. A hint for asking for the next page early: the parsed page's ContinuationKey decides.
        /// </summary>
        public string? EarlyContinuationKey { get; }
    }

    /// <summary>One page of a list (getVoidedPurchases, getUnconfirmedPurchases).</summary>
    public sealed class PurchaseListPage<T>
    {
        public PurchaseListPage(IReadOnlyList<T> items, string? continuationKey)
        {
            Items = items;
            ContinuationKey = continuationKey;
        }

        public IReadOnlyList<T> Items { get; }

        /// <summary>The key for the next page; null or empty when this is the last page.</summary>
        public string? ContinuationKey { get; }
    }

    /// <summary>The <c>result</c> of a changing call's success reply (<c>{"result":{"code":"Success","message":...}}</c>).</summary>
    public sealed class OperationReply
    {
        public OperationReply(string? code, string? message, bool alreadyApplied = false)
        {
            Code = code;
            Message = message;
            AlreadyApplied = alreadyApplied;
        }

        public string? Code { get; }
        public string? Message { get; }

        /// <summary>True when an earlier attempt whose reply was lost had already applied the change.</summary>
        public bool AlreadyApplied { get; }
    }

    /// <summary>The window of a list request. Times are epoch milliseconds; the server derives a missing side.</summary>
    public sealed class PurchaseListQuery
    {
        public long? StartTimeMillis { get; set; }
        public long? EndTimeMillis { get; set; }
        public int? MaxResults { get; set; }
        public string? ContinuationKey { get; set; }
    }

    /// <summary>What the engine reports about each HTTP request it sends (never a token or secret).</summary>
    public sealed class OneStoreRequestLog
    {
        public OneStoreRequestLog(string method, string route, int? status, System.TimeSpan duration, int attempt, string? code)
        {
            Method = method;
            Route = route;
            Status = status;
            Duration = duration;
            Attempt = attempt;
            Code = code;
        }

        public string Method { get; }
        /// <summary>The path with its values (and query), e.g. <c>/v7/apps/com.app/purchases/inapp/products/p1/T1</c>.</summary>
        public string Route { get; }
        public int? Status { get; }
        public System.TimeSpan Duration { get; }
        public int Attempt { get; }
        /// <summary>The failure code, if the request failed.</summary>
        public string? Code { get; }

        public override string ToString()
        {
            string status = Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no reply";
            string code = Code == null ? "" : " " + Code;
            string attempt = Attempt > 1 ? $" (attempt {Attempt})" : "";
            return $"{Method} {Route} -> {status}{code} in {Duration.TotalMilliseconds:0} ms{attempt}";
        }
    }

    /// <summary>An access token as the engine holds it.</summary>
    public sealed class AccessTokenInfo
    {
        internal AccessTokenInfo(string value, System.DateTimeOffset expiresOn, System.DateTimeOffset renewAfter)
        {
            Value = value;
            // Exactly "Bearer <token>", case-sensitive, one space (spec: ONE store OAuth); built once per token.
            AuthorizationValue = "Bearer " + value;
            ExpiresOn = expiresOn;
            RenewAfter = renewAfter;
        }

        /// <summary>The token itself; internal so no public surface (and no PowerShell formatting) ever shows it.</summary>
        internal string Value { get; }

        /// <summary>The Authorization header's value for this token.</summary>
        internal string AuthorizationValue { get; }

        public System.DateTimeOffset ExpiresOn { get; }

        /// <summary>When the engine asks for a new token: before expiry, by the renewal margin.</summary>
        public System.DateTimeOffset RenewAfter { get; }

        public override string ToString() => $"Access token (expires {ExpiresOn:u})";
    }
}
