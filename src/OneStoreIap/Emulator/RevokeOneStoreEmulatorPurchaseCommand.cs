using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Revoke-OneStoreEmulatorPurchase: a refund; the purchase is cancelled and listed as voided (POST /_emulator/purchases/{token}/void).</summary>
    [Cmdlet(VerbsSecurity.Revoke, "OneStoreEmulatorPurchase")]
    [OutputType(typeof(EmulatorPurchase))]
    public sealed class RevokeOneStoreEmulatorPurchaseCommand : EmulatorCmdletBase
    {
        /// <summary>The purchase token of the purchase refunded.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string PurchaseToken { get; set; } = null!;

        /// <summary>Also writes the purchase's new state to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                JsonTreeObject reply = InvokeControl(emulator, HttpMethod.Post, "purchases/" + Uri.EscapeDataString(PurchaseToken) + "/void", new Dictionary<string, object?>());
                if (PassThru) WriteObject(EmulatorPurchase.From(reply));
            }
            catch (EmulatorControlException e)
            {
                WriteError(ToErrorRecord(e, PurchaseToken));
            }
        }
    }
}
