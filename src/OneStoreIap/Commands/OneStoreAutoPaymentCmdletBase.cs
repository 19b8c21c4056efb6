using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The base of Stop- and Resume-OneStoreSubscription: the same item, -Type and -PassThru, one engine call that
    /// changes the automatic payment of a subscription or a monthly auto-renewal product.
    /// </summary>
    public abstract class OneStoreAutoPaymentCmdletBase : OneStorePurchaseCmdletBase
    {
        /// <summary>Subscription (the default) or Auto (a monthly auto-renewal product).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet(nameof(OneStoreProductType.Subscription), nameof(OneStoreProductType.Auto), IgnoreCase = true)]
        public OneStoreProductType Type { get; set; } = OneStoreProductType.Subscription;

        /// <summary>Writes an operation result for each item.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The OperationResult's operation name.</summary>
        internal abstract string Operation { get; }

        internal override void ValidateItem()
        {
            OneStoreApiException? badType = PipelineInput.CheckTypeCell(InputObject, Type, nameof(Type),
                OneStoreProductType.Subscription, OneStoreProductType.Auto);
            if (badType != null) throw badType;
        }

        /// <summary>What ShouldProcess says the cmdlet does.</summary>
        internal abstract string Action { get; }

        /// <summary>The engine call.</summary>
        internal abstract Task<OperationReply> SendAsync(OneStoreClient client, ProductKind kind, string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken);

        internal override void ProcessItem(OneStoreConnection connection, object? target)
        {
            if (!ShouldProcess(Describe(), Action)) return;
            OneStoreClient client = connection.Client;
            string productId = ProductId, purchaseToken = PurchaseToken, operation = Operation;
            OneStoreProductType type = Type;
            bool passThru = PassThru.IsPresent;
            var log = RequestLog;
            Enqueue(target, async ct =>
            {
                OperationReply reply = await SendAsync(client, OutputMapper.ToKind(type), productId, purchaseToken, log, ct).ConfigureAwait(false);
                return passThru ? OutputMapper.ToResult(operation, reply, productId, purchaseToken, type, client) : null;
            });
        }
    }
}
