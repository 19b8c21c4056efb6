using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Invoke-OneStoreConsume: consumePurchase (managed products).</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "OneStoreConsume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OperationResult))]
    public sealed class InvokeOneStoreConsumeCommand : OneStoreConfirmCmdletBase
    {
        internal override string Operation => "Consume";
        internal override OneStoreProductType? ResultType => OneStoreProductType.InApp;

        internal override Task<OperationReply> SendAsync(OneStoreClient client, string productId, string purchaseToken, string? developerPayload,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) =>
            client.ConsumeAsync(productId, purchaseToken, developerPayload, log, cancellationToken);
    }
}
