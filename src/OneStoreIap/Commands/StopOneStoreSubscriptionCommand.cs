using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Stop-OneStoreSubscription: cancelSubscription (-Type Subscription, the default) or cancelRecurringPurchase (Auto).</summary>
    [Cmdlet(VerbsLifecycle.Stop, "OneStoreSubscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(OperationResult))]
    public sealed class StopOneStoreSubscriptionCommand : OneStoreAutoPaymentCmdletBase
    {
        internal override string Operation => "Cancel";
        internal override string Action => "Cancel the automatic payment";

        internal override Task<OperationReply> SendAsync(OneStoreClient client, ProductKind kind, string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) =>
            client.CancelAsync(kind, productId, purchaseToken, log, cancellationToken);
    }
}
