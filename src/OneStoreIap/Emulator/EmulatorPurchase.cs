using System;
using OneStoreIap.Commands;
using System.Collections.Generic;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// The emulator's whole state of one purchase (its control API's view, richer than the spec's replies), for test
    /// assertions. ProductId, PurchaseToken and Type bind by property name to Get-OneStorePurchase and the other cmdlets.
    /// </summary>
    public sealed class EmulatorPurchase
    {
        public string? ClientId { get; set; }
        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }
        public OneStoreProductType Type { get; set; }
        public string? MarketCode { get; set; }
        public string? PurchaseId { get; set; }
        public string? OrderId { get; set; }
        public string? DeveloperPayload { get; set; }
        public int Quantity { get; set; }
        public DateTimeOffset? PurchaseTime { get; set; }
        public PurchaseState PurchaseState { get; set; }
        public AcknowledgeState AcknowledgeState { get; set; }
        public ConsumptionState ConsumptionState { get; set; }

        /// <summary>True when refunded (or cancelled by the 3-day rule): listed as voided.</summary>
        public bool Voided { get; set; }
        public DateTimeOffset? VoidedTime { get; set; }

        /// <summary>True when cancelled because nobody acknowledged or consumed it within 3 days.</summary>
        public bool AutoCancelled { get; set; }

        /// <summary>True while it is listed as unconfirmed (neither acknowledged nor consumed, not cancelled).</summary>
        public bool Unconfirmed { get; set; }

        /// <summary>Auto-renewal and subscription purchases: whether it renews.</summary>
        public bool? AutoRenewing { get; set; }
        public DateTimeOffset? ExpiryTime { get; set; }

        /// <summary>How many times a consume applied to it.</summary>
        public int ConsumeCount { get; set; }

        /// <summary>How many times an acknowledge applied to it.</summary>
        public int AcknowledgeCount { get; set; }

        /// <summary>How many times any changing call (or a refund) applied to it.</summary>
        public int ChangeCount { get; set; }

        /// <summary>What the ONE store SDK hands the app for this purchase: its originalJson (the purchase's state now)...</summary>
        public string? OriginalJson { get; set; }

        /// <summary>... and its signature (SHA512withRSA with the app's key, base64). Both bind to Confirm-OneStorePurchase by property name.</summary>
        public string? Signature { get; set; }

        /// <summary>Every member of the control API's reply, as ConvertFrom-Json would show it.</summary>
        public PSObject? State { get; set; }

        public override string ToString() => PurchaseToken ?? "";

        internal static EmulatorPurchase From(JsonTreeObject tree)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> p in tree.Properties) values[p.Key] = p.Value;
            string? market = Text(values, "marketCode");
            DateTimeOffset? Time(string name) => OneStoreMarket.ToDateTimeOffset(Number(values, name), market);
            return new EmulatorPurchase
            {
                ClientId = Text(values, "clientId"),
                ProductId = Text(values, "productId"),
                PurchaseToken = Text(values, "purchaseToken"),
                Type = OutputMapper.ParseProductType(Text(values, "type")) ?? OneStoreProductType.InApp,
                MarketCode = market,
                PurchaseId = Text(values, "purchaseId"),
                OrderId = Text(values, "orderId"),
                DeveloperPayload = Text(values, "developerPayload"),
                Quantity = (int)(Number(values, "quantity") ?? 1),
                PurchaseTime = Time("purchaseTime"),
                PurchaseState = (PurchaseState)(int)(Number(values, "purchaseState") ?? 0),
                AcknowledgeState = (AcknowledgeState)(int)(Number(values, "acknowledgeState") ?? 0),
                ConsumptionState = (ConsumptionState)(int)(Number(values, "consumptionState") ?? 0),
                Voided = Flag(values, "voided") ?? false,
                VoidedTime = Time("voidedTime"),
                AutoCancelled = Flag(values, "autoCancelled") ?? false,
                Unconfirmed = Flag(values, "unconfirmed") ?? false,
                AutoRenewing = Flag(values, "autoRenewing"),
                ExpiryTime = Time("expiryTime"),
                ConsumeCount = (int)(Number(values, "consumeCount") ?? 0),
                AcknowledgeCount = (int)(Number(values, "acknowledgeCount") ?? 0),
                ChangeCount = (int)(Number(values, "changeCount") ?? 0),
                OriginalJson = Text(values, "originalJson"),
                Signature = Text(values, "signature"),
                State = InvokeOneStoreRequestCommand.ToPowerShell(tree) as PSObject,
            };
        }

        private static string? Text(Dictionary<string, object?> values, string name) =>
            values.TryGetValue(name, out object? v) ? v as string : null;

        private static long? Number(Dictionary<string, object?> values, string name) =>
            values.TryGetValue(name, out object? v) && v is long l ? l : (long?)null;

        private static bool? Flag(Dictionary<string, object?> values, string name) =>
            values.TryGetValue(name, out object? v) && v is bool b ? b : (bool?)null;
    }
}
