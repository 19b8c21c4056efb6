using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A PNS message's environment.</summary>
    public enum NotificationEnvironment
    {
        Sandbox,
        Commercial,
    }
}
