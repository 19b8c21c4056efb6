using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The base of Invoke-OneStoreAcknowledge and Invoke-OneStoreConsume: the same item and optional developer payload,
    /// one engine call, an operation result for every item (an audit log).
    /// </summary>
    public abstract class OneStoreConfirmCmdletBase : OneStorePurchaseCmdletBase
    {
        /// <summary>The developer payload of the purchase (optional; up to 200 characters).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? DeveloperPayload { get; set; }

        /// <summary>The OperationResult's operation name, also what ShouldProcess says.</summary>
        internal abstract string Operation { get; }

        /// <summary>The OperationResult's product type (null where the route serves every type).</summary>
        internal abstract OneStoreProductType? ResultType { get; }

        /// <summary>The engine call.</summary>
        internal abstract Task<OperationReply> SendAsync(OneStoreClient client, string productId, string purchaseToken, string? developerPayload,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken);

        internal override void ValidateItem() => OneStoreInput.ValidateDeveloperPayload(DeveloperPayload);

        internal override void ProcessItem(OneStoreConnection connection, object? target)
        {
            if (!ShouldProcess(Describe(), Operation)) return;
            OneStoreClient client = connection.Client;
            string productId = ProductId, purchaseToken = PurchaseToken, operation = Operation;
            string? payload = DeveloperPayload;
            // The audit record: the route's type, or the input's where the route serves every type; the input's purchase id.
            OneStoreProductType? type = ResultType ?? PipelineInput.TypeOf(InputObject);
            string? purchaseId = PipelineInput.PurchaseIdOf(InputObject);
            var log = RequestLog;
            Enqueue(target, async ct =>
            {
                OperationReply reply = await SendAsync(client, productId, purchaseToken, payload, log, ct).ConfigureAwait(false);
                return OutputMapper.ToResult(operation, reply, productId, purchaseToken, type, client, purchaseId);
            });
        }
    }
}
