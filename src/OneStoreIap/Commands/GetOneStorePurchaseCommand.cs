using System;
using System.Threading;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStorePurchase: getPurchaseDetails (-Type InApp), getRecurringPurchaseDetails (Auto), getSubscriptionDetail (Subscription).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStorePurchase")]
    [OutputType(typeof(InAppPurchase), typeof(AutoRenewalPurchase), typeof(Subscription))]
    public sealed class GetOneStorePurchaseCommand : OneStorePurchaseCmdletBase
    {
        /// <summary>The product type; the spec's codes inapp, auto and subscription are accepted too.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public OneStoreProductType Type { get; set; } = OneStoreProductType.InApp;

        internal override void ValidateItem()
        {
            OneStoreApiException? badType = PipelineInput.CheckTypeCell(InputObject, Type, nameof(Type),
                OneStoreProductType.InApp, OneStoreProductType.Auto, OneStoreProductType.Subscription);
            if (badType != null) throw badType;
        }

        internal override void ProcessItem(OneStoreConnection connection, object? target) =>
            StartLookup(this, connection, target, Type, ProductId, PurchaseToken);

        internal static void StartLookup(OneStoreItemCmdletBase cmdlet, OneStoreConnection connection, object? target,
            OneStoreProductType type, string productId, string purchaseToken)
        {
            OneStoreClient client = connection.Client;
            var log = cmdlet.RequestLog;
            cmdlet.Enqueue(target, async ct =>
            {
                try
                {
                    switch (type)
                    {
                        case OneStoreProductType.Auto:
                            RecurringPurchaseDetails auto = await client.GetRecurringPurchaseAsync(productId, purchaseToken, log, ct).ConfigureAwait(false);
                            return OutputMapper.ToAuto(auto, productId, purchaseToken, client);
                        case OneStoreProductType.Subscription:
                            SubscriptionDetails subscription = await client.GetSubscriptionAsync(productId, purchaseToken, log, ct).ConfigureAwait(false);
                            return OutputMapper.ToSubscription(subscription, productId, purchaseToken, client);
                        default:
                            InAppPurchaseDetails inApp = await client.GetInAppPurchaseAsync(productId, purchaseToken, log, ct).ConfigureAwait(false);
                            return OutputMapper.ToInApp(inApp, productId, purchaseToken, client);
                    }
                }
                catch (OneStoreApiException e) when (e.Code == OneStoreErrorCodes.NoSuchData)
                {
                    throw FailureAdvice.ForLookup(e, type, productId, connection);
                }
            });
        }
    }
}
