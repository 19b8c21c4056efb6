using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
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
}
