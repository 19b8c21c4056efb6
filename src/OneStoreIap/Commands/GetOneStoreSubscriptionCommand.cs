using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreSubscription: getSubscriptionDetail (-Type Subscription, the default) or getRecurringPurchaseDetails (Auto).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreSubscription")]
    [OutputType(typeof(Subscription), typeof(AutoRenewalPurchase))]
    public sealed class GetOneStoreSubscriptionCommand : OneStorePurchaseCmdletBase
    {
        /// <summary>Subscription (the default) or Auto (a monthly auto-renewal product).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet(nameof(OneStoreProductType.Subscription), nameof(OneStoreProductType.Auto), IgnoreCase = true)]
        public OneStoreProductType Type { get; set; } = OneStoreProductType.Subscription;

        internal override void ValidateItem()
        {
            OneStoreApiException? badType = PipelineInput.CheckTypeCell(InputObject, Type, nameof(Type),
                OneStoreProductType.Subscription, OneStoreProductType.Auto);
            if (badType != null) throw badType;
        }

        internal override void ProcessItem(OneStoreConnection connection, object? target) =>
            GetOneStorePurchaseCommand.StartLookup(this, connection, target, Type, ProductId, PurchaseToken);
    }
}
