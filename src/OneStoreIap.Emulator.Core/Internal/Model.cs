using System;
using System.Collections.Generic;

namespace OneStoreIap.Emulator.Internal
{
    internal enum ProductType
    {
        Inapp,
        Auto,
        Subscription,
    }

    internal static class ProductTypes
    {
        public static string Name(ProductType type) => type switch
        {
            ProductType.Inapp => "inapp",
            ProductType.Auto => "auto",
            _ => "subscription",
        };

        public static bool TryParse(string? text, out ProductType type)
        {
            switch (text)
            {
                case "inapp": type = ProductType.Inapp; return true;
                case "auto": type = ProductType.Auto; return true;
                case "subscription": type = ProductType.Subscription; return true;
                default: type = ProductType.Inapp; return false;
            }
        }
    }

    internal static class Markets
    {
        public const string One = "MKT_ONE";
        public const string Global = "MKT_GLB";

        public static bool IsValid(string? market) => market == One || market == Global;
    }

    internal sealed class AppInfo
    {
        public string ClientId = "";
        public string ClientSecret = "";
        public string[] Markets = { Internal.Markets.One };
        public bool Blocked;

        /// <summary>Where PNS notifications of this app go (null: none are sent).</summary>
        public string? NotificationUri;

        /// <summary>The seed's private key (PEM or base64 PKCS#8); null: one is generated.</summary>
        public string? PrivateKey;
    }

    internal sealed class ProductInfo
    {
        public string ClientId = "";
        public string ProductId = "";
        public ProductType Type;
    }

    /// <summary>One purchase with every field any route returns. Mutated only under the state lock.</summary>
    internal sealed class Purchase
    {
        public long Seq;
        public string ClientId = "";
        public string ProductId = "";
        public ProductType Type;
        public string MarketCode = Markets.One;
        public string PurchaseToken = "";
        public string PurchaseId = "";
        public string OrderId = "";
        public string? DeveloperPayload;
        public int Quantity = 1;
        public long PurchaseTime;

        /// <summary>0 purchase completed, 1 cancellation completed (refund, or the 3-day automatic cancellation).</summary>
        public int PurchaseState;
        public int AcknowledgeState;
        public int ConsumptionState;
        public long? VoidedTime;
        public bool AutoCancelled;

        // auto and subscription
        public long StartTime;
        public long ExpiryTime;
        public long? NextPaymentTime;
        public bool AutoRenewing;
        public int? CancelReason;
        public long? CancelledTime;
        public string? LastPurchaseId;
        public int LastPurchaseState;

        /// <summary>A subscription cancelled while paused: cancelled at once, and it cannot be reactivated.</summary>
        public bool ImmediatelyCancelled;

        // subscription only
        public int? PaymentState;
        public string? PriceAmount;
        public long? PriceAmountMicros;
        public string? NextPriceAmount;
        public long? NextPriceAmountMicros;
        public string? PriceCurrencyCode;
        public string? CountryCode;
        public long? PauseStartTime;
        public long? PauseEndTime;
        public long? AutoResumeTime;
        public string? LinkedPurchaseToken;
        public PromotionPrice? Promotion;
        public PriceChange? PriceChange;

        // control-API bookkeeping
        public int ConsumeCount;
        public int AcknowledgeCount;
        public int ChangeCount;

        public bool IsVoided => VoidedTime.HasValue;

        /// <summary>Listed by getUnconfirmedPurchases (and subject to the 3-day cancellation) while this holds.</summary>
        public bool IsUnconfirmed => Type != ProductType.Subscription && PurchaseState == 0 && AcknowledgeState == 0 && ConsumptionState == 0 && !VoidedTime.HasValue;

        public bool IsPaused(long now) => PauseStartTime.HasValue && PauseStartTime.Value <= now && (!PauseEndTime.HasValue || now < PauseEndTime.Value);

        public Purchase Clone() => (Purchase)MemberwiseClone();
    }

    internal sealed class PromotionPrice
    {
        public string Price = "";
        public long PriceMicros;
        public int Period;
    }

    internal sealed class PriceChange
    {
        public int Seq;
        public string PreviousPrice = "";
        public long PreviousPriceMicros;
        public string NewPrice = "";
        public long NewPriceMicros;
        public long ApplyTime;
        public bool Agreement;
        public long AgreementDueDateTime;
    }

    /// <summary>Order of getVoidedPurchases: voidedTime, then purchaseId, then insertion.</summary>
    internal sealed class VoidedOrder : IComparer<Purchase>
    {
        public static readonly VoidedOrder Instance = new();

        public int Compare(Purchase? x, Purchase? y)
        {
            var c = x!.VoidedTime!.Value.CompareTo(y!.VoidedTime!.Value);
            if (c != 0) return c;
            c = string.CompareOrdinal(x.PurchaseId, y.PurchaseId);
            return c != 0 ? c : x.Seq.CompareTo(y.Seq);
        }
    }

    /// <summary>Order of getUnconfirmedPurchases: purchaseTime, then purchaseId, then insertion.</summary>
    internal sealed class UnconfirmedOrder : IComparer<Purchase>
    {
        public static readonly UnconfirmedOrder Instance = new();

        public int Compare(Purchase? x, Purchase? y)
        {
            var c = x!.PurchaseTime.CompareTo(y!.PurchaseTime);
            if (c != 0) return c;
            c = string.CompareOrdinal(x.PurchaseId, y.PurchaseId);
            return c != 0 ? c : x.Seq.CompareTo(y.Seq);
        }
    }
}
