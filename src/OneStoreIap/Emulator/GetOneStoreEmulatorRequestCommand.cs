using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreEmulatorRequest: the API requests the emulator saw, oldest first (GET /_emulator/requests?last=N).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorRequest")]
    [OutputType(typeof(EmulatorRequest))]
    public sealed class GetOneStoreEmulatorRequestCommand : EmulatorCmdletBase
    {
        /// <summary>How many of the most recent requests (the emulator keeps 1,000).</summary>
        [Parameter(Position = 0)]
        [ValidateRange(1, 1000)]
        public int Last { get; set; } = 100;

        /// <summary>Only the requests of this spec operation (issueToken, getPurchaseDetails, ...).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Route { get; set; }

        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            JsonTreeObject reply;
            try
            {
                reply = InvokeControl(emulator, HttpMethod.Get, "requests?last=" + Last.ToString(CultureInfo.InvariantCulture), null);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
                return;
            }
            if (!(reply["requests"] is List<object?> list)) return;
            foreach (object? item in list)
            {
                if (!(item is JsonTreeObject tree)) continue;
                EmulatorRequest request = EmulatorRequest.From(tree);
                if (Route != null && !string.Equals(request.Route, Route, StringComparison.Ordinal)) continue;
                WriteObject(request);
            }
        }
    }
}
