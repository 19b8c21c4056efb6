using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>purchaseState: 0 purchase completed, 1 cancellation completed.</summary>
    public enum PurchaseState
    {
        Completed = 0,
        Cancelled = 1,
    }
}
