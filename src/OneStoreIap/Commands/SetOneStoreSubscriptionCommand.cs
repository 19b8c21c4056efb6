using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Set-OneStoreSubscription: deferSubscription (moves the next payment).</summary>
    [Cmdlet(VerbsCommon.Set, "OneStoreSubscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OperationResult))]
    public sealed class SetOneStoreSubscriptionCommand : OneStorePurchaseCmdletBase
    {
        /// <summary>How far to defer the next payment: days in Commercial (1-365), minutes in Sandbox.</summary>
        [Parameter(Mandatory = true)]
        [ValidateRange(1, 365)]
        public int DeferPeriod { get; set; }

        /// <summary>Writes an operation result for each item.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        internal override void ProcessItem(OneStoreConnection connection, object? target)
        {
            if (!ShouldProcess(Describe(), $"Defer the next payment by {DeferPeriod}")) return;
            OneStoreClient client = connection.Client;
            string productId = ProductId, purchaseToken = PurchaseToken;
            int period = DeferPeriod;
            bool passThru = PassThru.IsPresent;
            var log = RequestLog;
            Enqueue(target, async ct =>
            {
                OperationReply reply = await client.DeferSubscriptionAsync(productId, purchaseToken, period, log, ct).ConfigureAwait(false);
                return passThru ? OutputMapper.ToDeferResult(reply, productId, purchaseToken, client, period) : null;
            });
        }
    }
}
