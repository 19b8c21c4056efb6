using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// getSubscriptionDetail's paymentState: null expired, 0 payment not completed, 1 completed, 2 free period,
    /// 3 DEFERRED during an upgrade or downgrade. Null in the reply reads as <see cref="Expired"/>.
    /// </summary>
    public enum SubscriptionPaymentState
    {
        Expired = -1,
        NotCompleted = 0,
        Completed = 1,
        FreePeriod = 2,
        Deferred = 3,
    }
}
