using System;
using OneStoreIap.Commands;
using System.Collections.Generic;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The emulator's virtual clock after Set-OneStoreEmulatorClock.</summary>
    public sealed class EmulatorClock
    {
        /// <summary>The virtual time now (UTC).</summary>
        public DateTimeOffset Now { get; set; }

        /// <summary>How far the virtual clock runs ahead of the real one.</summary>
        public TimeSpan Offset { get; set; }

        public override string ToString() => Now.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
    }
}
