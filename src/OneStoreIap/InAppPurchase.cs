using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A looked-up managed (in-app) product purchase (getPurchaseDetails).</summary>
    public sealed class InAppPurchase : PurchaseDetails
    {
        public InAppPurchase() : base(OneStoreProductType.InApp) { }
    }
}
