using System;
using OneStoreIap.Commands;
using System.Collections.Generic;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>How an injected fault drops the connection (docs/emulator.md, the control API's faults).</summary>
    public enum EmulatorFaultDrop
    {
        /// <summary>Drops the connection without applying the request.</summary>
        Before,
        /// <summary>Applies the request, then drops the connection before replying (the reply is lost).</summary>
        After,
    }
}
