using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Get-OneStoreEmulatorNotification: the PNS notifications an emulator sent or meant to send, oldest first
    /// (GET /_emulator/notifications); -Wait first lets its sender settle (POST /_emulator/notifications/wait).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorNotification")]
    [OutputType(typeof(EmulatorNotification))]
    public sealed class GetOneStoreEmulatorNotificationCommand : EmulatorCmdletBase
    {
        /// <summary>Only the notifications of this purchase id.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? PurchaseId { get; set; }

        /// <summary>First waits until nothing is queued, held, retried or in flight.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 120)]
        public int TimeoutSec { get; set; } = 30;

        private bool _waited;

        protected override void ProcessRecord()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                if (Wait && !_waited)
                {
                    _waited = true;
                    JsonTreeObject waited = InvokeControl(emulator, HttpMethod.Post, "notifications/wait",
                        new Dictionary<string, object?> { ["timeoutMs"] = TimeoutSec * 1000L });
                    if (!(waited["idle"] is bool idle && idle))
                    {
                        WriteError(new ErrorRecord(new TimeoutException("The emulator still had notifications to send after " + TimeoutSec + " s."),
                            "NotificationWaitTimedOut", ErrorCategory.OperationTimeout, emulator));
                    }
                }
                JsonTreeObject reply = InvokeControl(emulator, HttpMethod.Get, "notifications", null);
                if (!(reply["notifications"] is List<object?> list)) return;
                foreach (object? item in list)
                {
                    if (!(item is JsonTreeObject tree)) continue;
                    EmulatorNotification notification = EmulatorNotification.From(tree);
                    if (PurchaseId != null && notification.PurchaseId != PurchaseId) continue;
                    WriteObject(notification);
                }
            }
            catch (EmulatorControlException e)
            {
                WriteError(ToErrorRecord(e, PurchaseId));
            }
        }
    }
}
