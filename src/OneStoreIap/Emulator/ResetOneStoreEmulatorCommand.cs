using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Reset-OneStoreEmulator: back to the seed (POST /_emulator/reset), or only the counters zeroed (POST /_emulator/counters/reset).</summary>
    [Cmdlet(VerbsCommon.Reset, "OneStoreEmulator")]
    [OutputType(typeof(void))]
    public sealed class ResetOneStoreEmulatorCommand : EmulatorCmdletBase
    {
        /// <summary>Zeroes the counters only (the peak in flight too); purchases, faults, the request log and the clock stay.</summary>
        [Parameter]
        public SwitchParameter CounterOnly { get; set; }

        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                InvokeControl(emulator, HttpMethod.Post, CounterOnly ? "counters/reset" : "reset", new Dictionary<string, object?>());
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
            }
        }
    }
}
