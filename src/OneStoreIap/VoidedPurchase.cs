using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
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
}
