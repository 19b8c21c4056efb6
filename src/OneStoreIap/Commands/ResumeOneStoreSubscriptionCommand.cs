using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Resume-OneStoreSubscription: reactivateSubscription (-Type Subscription, the default) or reactiveRecurringPurchase (Auto).</summary>
    [Cmdlet(VerbsLifecycle.Resume, "OneStoreSubscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OperationResult))]
    public sealed class ResumeOneStoreSubscriptionCommand : OneStoreAutoPaymentCmdletBase
    {
        internal override string Operation => "Reactivate";
        internal override string Action => "Reactivate the automatic payment";

        internal override Task<OperationReply> SendAsync(OneStoreClient client, ProductKind kind, string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) =>
            client.ReactivateAsync(kind, productId, purchaseToken, log, cancellationToken);
    }
}
