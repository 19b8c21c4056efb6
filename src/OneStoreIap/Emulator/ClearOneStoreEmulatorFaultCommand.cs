using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Clear-OneStoreEmulatorFault: removes every injected fault (DELETE /_emulator/faults).</summary>
    [Cmdlet(VerbsCommon.Clear, "OneStoreEmulatorFault")]
    [OutputType(typeof(void))]
    public sealed class ClearOneStoreEmulatorFaultCommand : EmulatorCmdletBase
    {
        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                InvokeControl(emulator, HttpMethod.Delete, "faults", null);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
            }
        }
    }
}
