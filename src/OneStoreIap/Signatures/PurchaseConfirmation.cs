using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// Confirm-OneStorePurchase's verdict on one receipt. ProductId, PurchaseToken and DeveloperPayload bind by property
    /// name to Invoke-OneStoreConsume and Invoke-OneStoreAcknowledge.
    /// </summary>
    public sealed class PurchaseConfirmation
    {
        /// <summary>True only when every check passed (fail closed).</summary>
        public bool IsValid { get; set; }

        /// <summary>Every check that failed: SignatureInvalid, ReceiptInvalid, ClientIdMismatch, PurchaseNotFound, PurchaseIdMismatch, Cancelled, NotCompleted, AlreadyConsumed, PayloadMismatch, QuantityMismatch, Expired.</summary>
        public string[] Reasons { get; set; } = new string[0];

        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }

        /// <summary>The product type looked up (from the receipt's recurringState, or -Type).</summary>
        public OneStoreProductType Type { get; set; }
        public string? PurchaseId { get; set; }

        /// <summary>The receipt's developer payload (consume and acknowledge send it back).</summary>
        public string? DeveloperPayload { get; set; }
        public int? Quantity { get; set; }

        /// <summary>The parsed originalJson.</summary>
        public PurchaseReceipt? Receipt { get; set; }

        /// <summary>ONE store's record: an InAppPurchase, AutoRenewalPurchase or Subscription; null when not found or not looked up.</summary>
        public object? Purchase { get; set; }

        public override string ToString() => (IsValid ? "Valid " : "Invalid (" + string.Join(", ", Reasons) + ") ") + PurchaseToken;
    }

    /// <summary>A PNS payment notification (ConvertFrom-OneStoreNotification); every member of message 3.1.0.</summary>
    public sealed class OneStoreNotification
    {
        /// <summary>3.1.0 (commercial), 3.1.0D (sandbox), or 3.0.0.</summary>
        public string? MsgVersion { get; set; }

        /// <summary>clientId (3.1.0) or packageName (3.0.0).</summary>
        public string? ClientId { get; set; }
        public string? ProductId { get; set; }
        public string? ProductName { get; set; }

        /// <summary>SINGLE_PAYMENT_TRANSACTION.</summary>
        public string? MessageType { get; set; }
        public string? PurchaseId { get; set; }
        public string? PurchaseToken { get; set; }
        public string? DeveloperPayload { get; set; }
        public long? PurchaseTimeMillis { get; set; }

        /// <summary>PurchaseTimeMillis in the market's offset (UTC+09:00 for MKT_ONE, UTC+00:00 for MKT_GLB).</summary>
        public DateTimeOffset? PurchaseTime { get; set; }
        public NotificationPurchaseState? PurchaseState { get; set; }

        /// <summary>The price exactly as sent (a decimal text).</summary>
        public string? Price { get; set; }
        public string? PriceCurrencyCode { get; set; }
        public NotificationPaymentType[] PaymentTypeList { get; set; } = new NotificationPaymentType[0];
        public string? BillingKey { get; set; }
        public bool? IsTestMdn { get; set; }
        public NotificationEnvironment? Environment { get; set; }
        public string? MarketCode { get; set; }

        /// <summary>Whether the signature verified with the license key; null when -SkipSignatureCheck had no key to check with.</summary>
        public bool? IsSignatureValid { get; set; }

        /// <summary>The signature as sent (base64).</summary>
        public string? Signature { get; set; }

        public override string ToString() => PurchaseState + " " + PurchaseId;
    }

    /// <summary>A PNS message's purchaseState.</summary>
    public enum NotificationPurchaseState
    {
        /// <summary>COMPLETED: a payment completed.</summary>
        Completed,
        /// <summary>CANCELED: a payment was cancelled (refund, the 3-day cancellation).</summary>
        Canceled,
    }

    /// <summary>A PNS message's environment.</summary>
    public enum NotificationEnvironment
    {
        Sandbox,
        Commercial,
    }
}
