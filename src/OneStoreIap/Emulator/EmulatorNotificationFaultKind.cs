using System;
using System.Collections.Generic;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>What a notification fault does (Add-OneStoreEmulatorNotificationFault).</summary>
    public enum EmulatorNotificationFaultKind
    {
        /// <summary>The notification is never sent.</summary>
        Drop,
        /// <summary>It is sent twice.</summary>
        Duplicate,
        /// <summary>It is sent after -DelayMs (the ones after it wait too: one sender, in order).</summary>
        Delay,
        /// <summary>It is sent after the next notification (or when Get-OneStoreEmulatorNotification -Wait settles the queue).</summary>
        Reorder,
    }
}
