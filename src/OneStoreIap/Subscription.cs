using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A looked-up subscription (getSubscriptionDetail).</summary>
    public sealed class Subscription : PurchaseDetails
    {
        public Subscription() : base(OneStoreProductType.Subscription) { }
    }
}
