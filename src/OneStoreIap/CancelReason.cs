using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>cancelReason: 0 by the user's request, 1 by other (system) processing.</summary>
    public enum CancelReason
    {
        UserRequest = 0,
        Other = 1,
    }
}
