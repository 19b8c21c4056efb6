using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
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
}
