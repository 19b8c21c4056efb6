using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Add-OneStoreEmulatorNotificationFault: makes the emulator drop, duplicate, delay or reorder its next PNS
    /// notification(s) (POST /_emulator/notifications/faults). Clear-OneStoreEmulatorFault removes them.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "OneStoreEmulatorNotificationFault")]
    [OutputType(typeof(EmulatorNotificationFault))]
    public sealed class AddOneStoreEmulatorNotificationFaultCommand : EmulatorCmdletBase
    {
        /// <summary>Drop, Duplicate, Delay or Reorder.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public EmulatorNotificationFaultKind Kind { get; set; }

        /// <summary>How many notifications it hits (default 1); -1: every one.</summary>
        [Parameter]
        [ValidateRange(-1, int.MaxValue)]
        public int Count { get; set; } = 1;

        /// <summary>Delay: how long the notification waits, in milliseconds (default 500).</summary>
        [Parameter]
        [ValidateRange(0, 60000)]
        public int DelayMs { get; set; } = 500;

        /// <summary>Only notifications of this state: Completed or Canceled (both when omitted).</summary>
        [Parameter]
        public NotificationPurchaseState PurchaseState { get; set; }

        protected override void EndProcessing()
        {
            if (Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Count must be positive, or -1 for every notification."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, Count));
            }
            string? state = !MyInvocation.BoundParameters.ContainsKey(nameof(PurchaseState)) ? null : PurchaseState == NotificationPurchaseState.Completed ? "COMPLETED" : "CANCELED";
            var body = new Dictionary<string, object?> { ["kind"] = Kind.ToString().ToLowerInvariant(), ["count"] = Count };
            if (Kind == EmulatorNotificationFaultKind.Delay) body["delayMs"] = DelayMs;
            if (state != null) body["purchaseState"] = state;
            EmulatorInstance emulator = GetEmulator();
            JsonTreeObject reply;
            try
            {
                reply = InvokeControl(emulator, HttpMethod.Post, "notifications/faults", body);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, Kind));
                return;
            }
            WriteObject(new EmulatorNotificationFault
            {
                Id = reply["id"] is long id ? id : 0,
                Kind = Kind,
                Count = Count,
                DelayMs = Kind == EmulatorNotificationFaultKind.Delay ? DelayMs : 0,
                PurchaseState = state,
            });
        }
    }
}
