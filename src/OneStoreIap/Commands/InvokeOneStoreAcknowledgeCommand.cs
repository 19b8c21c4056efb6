using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Invoke-OneStoreAcknowledge: acknowledgePurchase (managed and monthly auto-renewal products).</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "OneStoreAcknowledge", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OperationResult))]
    public sealed class InvokeOneStoreAcknowledgeCommand : OneStoreConfirmCmdletBase
    {
        internal override string Operation => "Acknowledge";

        // The spec's "all" route: the type is not known from the call.
        internal override OneStoreProductType? ResultType => null;

        internal override Task<OperationReply> SendAsync(OneStoreClient client, string productId, string purchaseToken, string? developerPayload,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) =>
            client.AcknowledgeAsync(productId, purchaseToken, developerPayload, log, cancellationToken);
    }
}
