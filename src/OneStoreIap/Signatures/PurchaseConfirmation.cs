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
}
