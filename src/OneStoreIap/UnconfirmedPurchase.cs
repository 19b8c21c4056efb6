using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
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
}
