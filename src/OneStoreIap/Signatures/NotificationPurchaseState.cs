using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A PNS message's purchaseState.</summary>
    public enum NotificationPurchaseState
    {
        /// <summary>COMPLETED: a payment completed.</summary>
        Completed,
        /// <summary>CANCELED: a payment was cancelled (refund, the 3-day cancellation).</summary>
        Canceled,
    }
}
