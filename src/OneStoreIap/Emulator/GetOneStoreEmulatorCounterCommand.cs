using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreEmulatorCounter: what the emulator counted (GET /_emulator/counters).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorCounter")]
    [OutputType(typeof(EmulatorCounters))]
    public sealed class GetOneStoreEmulatorCounterCommand : EmulatorCmdletBase
    {
        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                WriteObject(EmulatorCounters.From(InvokeControl(emulator, HttpMethod.Get, "counters", null)));
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
            }
        }
    }
}
