using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>The per-item cmdlets that take a product id and a purchase token, from parameters or the pipeline.</summary>
    public abstract class OneStorePurchaseCmdletBase : OneStoreItemCmdletBase
    {
        /// <summary>The product id (the spec's productId, up to 150 characters).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public string ProductId { get; set; } = null!;

        /// <summary>The purchase token (the spec's purchaseToken, up to 20 characters).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string PurchaseToken { get; set; } = null!;

        /// <summary>The whole pipeline object, kept only as the target of an error about it.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>The input item: the pipeline object when there is one, else the purchase token.</summary>
        internal object? Target => InputObject != null ? (object)InputObject : PurchaseToken;

        /// <summary>Describes the item for ShouldProcess.</summary>
        internal string Describe() => $"purchase token '{PurchaseToken}' of product '{ProductId}'";

        protected override void ProcessRecord()
        {
            OneStoreConnection connection = GetConnection();
            object? target = Target;
            try
            {
                OneStoreInput.ValidateProductId(ProductId);
                OneStoreInput.ValidatePurchaseToken(PurchaseToken);
                ValidateItem();
            }
            catch (OneStoreApiException e)
            {
                // Keep the output order: the error is written after earlier items' results.
                Enqueue(target, _ => Task.FromException<object?>(e));
                return;
            }
            ProcessItem(connection, target);
            InputObject = null;
        }

        /// <summary>Extra checks of this cmdlet's own parameters, before ShouldProcess and before any request.</summary>
        internal virtual void ValidateItem()
        {
        }

        /// <summary>Asks ShouldProcess where the cmdlet changes something, then calls <see cref="OneStoreItemCmdletBase.Enqueue"/>.</summary>
        internal abstract void ProcessItem(OneStoreConnection connection, object? target);
    }
}
