using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A looked-up monthly auto-renewal purchase (getRecurringPurchaseDetails).</summary>
    public sealed class AutoRenewalPurchase : PurchaseDetails
    {
        public AutoRenewalPurchase() : base(OneStoreProductType.Auto) { }
    }
}
