using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Set-OneStoreEmulatorClock: moves the emulator's virtual clock forward (POST /_emulator/clock/advance).</summary>
    [Cmdlet(VerbsCommon.Set, "OneStoreEmulatorClock")]
    [OutputType(typeof(EmulatorClock))]
    public sealed class SetOneStoreEmulatorClockCommand : EmulatorCmdletBase
    {
        /// <summary>How far to move the clock forward: a TimeSpan, or the seed files' forms ("2d", "3h", "90m", "1d12h").</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [EmulatorDurationTransformation]
        public TimeSpan Advance { get; set; }

        /// <summary>Also writes the clock's new time to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            if (Advance < TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("The emulator's clock only moves forward: -Advance must not be negative."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, Advance));
            }
            EmulatorInstance emulator = GetEmulator();
            JsonTreeObject reply;
            try
            {
                reply = InvokeControl(emulator, HttpMethod.Post, "clock/advance",
                    new Dictionary<string, object?> { ["milliseconds"] = (long)Advance.TotalMilliseconds });
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, Advance));
                return;
            }
            WriteVerbose("Moved the emulator's clock forward by " + Advance + ".");
            if (!PassThru) return;
            long now = 0, offset = 0;
            foreach (var p in reply.Properties)
            {
                if (p.Key == "nowMillis" && p.Value is long n) now = n;
                if (p.Key == "offsetMillis" && p.Value is long o) offset = o;
            }
            WriteObject(new EmulatorClock { Now = DateTimeOffset.FromUnixTimeMilliseconds(now), Offset = TimeSpan.FromMilliseconds(offset) });
        }
    }
}
