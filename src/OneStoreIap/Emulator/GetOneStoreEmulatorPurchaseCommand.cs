using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreEmulatorPurchase: the emulator's whole state of a purchase (GET /_emulator/purchases/{token}).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorPurchase")]
    [OutputType(typeof(EmulatorPurchase))]
    public sealed class GetOneStoreEmulatorPurchaseCommand : EmulatorCmdletBase
    {
        /// <summary>The purchase token.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string PurchaseToken { get; set; } = null!;

        protected override void ProcessRecord()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                JsonTreeObject reply = InvokeControl(emulator, HttpMethod.Get, "purchases/" + Uri.EscapeDataString(PurchaseToken), null);
                WriteObject(EmulatorPurchase.From(reply));
            }
            catch (EmulatorControlException e)
            {
                WriteError(ToErrorRecord(e, PurchaseToken));
            }
        }
    }
}
