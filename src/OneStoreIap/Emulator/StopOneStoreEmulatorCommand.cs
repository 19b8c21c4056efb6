using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Stop-OneStoreEmulator: stops in-process emulators (the given ones, or every one started in this session).</summary>
    [Cmdlet(VerbsLifecycle.Stop, "OneStoreEmulator")]
    [OutputType(typeof(void))]
    public sealed class StopOneStoreEmulatorCommand : OneStoreCmdletBase
    {
        private bool _any;

        /// <summary>The emulator to stop; every emulator started in this session when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public EmulatorInstance[]? Emulator { get; set; }

        protected override void ProcessRecord()
        {
            if (Emulator == null) return;
            _any = true;
            foreach (EmulatorInstance instance in Emulator) Stop(instance);
        }

        protected override void EndProcessing()
        {
            // Only a bare Stop-OneStoreEmulator stops them all: an empty pipeline (nothing found to stop) stops nothing.
            if (_any || MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(Emulator))) return;
            foreach (EmulatorInstance instance in EmulatorRegistry.Running()) Stop(instance);
        }

        private void Stop(EmulatorInstance instance)
        {
            if (!instance.InProcess)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException("The emulator at " + instance.BaseUri + " does not run in this process; stop its own program instead."),
                    "EmulatorNotInProcess", ErrorCategory.InvalidOperation, instance));
                return;
            }
            if (instance.Stop()) WriteVerbose("Stopped the emulator at " + instance.BaseUri + ".");
            EmulatorRegistry.Forget(instance);
        }
    }
}
