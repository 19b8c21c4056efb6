using System;
using System.Collections.Generic;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A notification fault injected with Add-OneStoreEmulatorNotificationFault.</summary>
    public sealed class EmulatorNotificationFault
    {
        public long Id { get; set; }
        public EmulatorNotificationFaultKind Kind { get; set; }

        /// <summary>How many notifications it hits; -1: every one.</summary>
        public int Count { get; set; }
        public int DelayMs { get; set; }

        /// <summary>Only notifications of this state (COMPLETED or CANCELED); both when empty.</summary>
        public string? PurchaseState { get; set; }

        public override string ToString() => Id + " " + Kind;
    }
}
