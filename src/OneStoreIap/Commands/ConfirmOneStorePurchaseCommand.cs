using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Confirm-OneStorePurchase: everything a server checks before it grants what an app's receipt says was bought,
    /// failing closed: the signature, the receipt's app, and ONE store's own record (getPurchaseDetails,
    /// getRecurringPurchaseDetails or getSubscriptionDetail) compared with the receipt. An invalid purchase is an object
    /// with IsValid $false and its reasons; only a failure to ask ONE store is an error.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Confirm, "OneStorePurchase")]
    [OutputType(typeof(PurchaseConfirmation))]
    public sealed class ConfirmOneStorePurchaseCommand : OneStoreItemCmdletBase
    {
        private ResolvedLicenseKey _license = null!;

        /// <summary>The purchase's originalJson, exactly as the ONE store SDK handed it to the app.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string OriginalJson { get; set; } = null!;

        /// <summary>The purchase's signature (base64).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Signature { get; set; } = null!;

        /// <summary>The app's license key; default: the connection's, then ONESTORE_LICENSE_KEY.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LicenseKey { get; set; }

        /// <summary>The developer payload your server expects (for example the one it handed the app before the purchase).</summary>
        [Parameter]
        public string? DeveloperPayload { get; set; }

        /// <summary>The product type to look up; default: from the receipt (recurringState -1 or absent: InApp, else Auto). Subscriptions need -Type Subscription.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public OneStoreProductType? Type { get; set; }

        /// <summary>The whole pipeline object, kept only as the target of an error about it.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _license = LicenseKeySource.Resolve(this, LicenseKey, Connection);
        }

        protected override void ProcessRecord()
        {
            OneStoreConnection connection = GetConnection();
            object? target = InputObject != null ? (object)InputObject : OriginalJson;
            InputObject = null;
            if (_license.Key == null)
            {
                // The operator's key, not the purchase, is wrong: an error per item, never a verdict.
                Exception failure = _license.Unusable();
                Enqueue(target, _ => Task.FromException<object?>(failure));
                return;
            }
            OneStoreClient client = connection.Client;
            OneStoreLicenseKey key = _license.Key;
            string originalJson = OriginalJson, signature = Signature;
            string? payload = DeveloperPayload;
            ProductKind? kind = Type switch
            {
                OneStoreProductType.InApp => ProductKind.InApp,
                OneStoreProductType.Auto => ProductKind.Auto,
                OneStoreProductType.Subscription => ProductKind.Subscription,
                _ => null,
            };
            var log = RequestLog;
            Enqueue(target, async ct =>
            {
                PurchaseCheckResult check = await PurchaseVerifier.ConfirmAsync(client, key, originalJson, signature, payload, kind, log, ct).ConfigureAwait(false);
                return ToOutput(check, client);
            });
        }

        internal static PurchaseConfirmation ToOutput(PurchaseCheckResult check, OneStoreClient client)
        {
            PurchaseReceipt? receipt = check.Receipt;
            string productId = receipt?.ProductId ?? "", token = receipt?.PurchaseToken ?? "";
            object? purchase = check.ServerRecord switch
            {
                InAppPurchaseDetails inApp => OutputMapper.ToInApp(inApp, productId, token, client),
                RecurringPurchaseDetails auto => OutputMapper.ToAuto(auto, productId, token, client),
                SubscriptionDetails subscription => OutputMapper.ToSubscription(subscription, productId, token, client),
                _ => null,
            };
            return new PurchaseConfirmation
            {
                IsValid = check.IsValid,
                Reasons = check.Reasons.ToArray(),
                ProductId = receipt?.ProductId,
                PurchaseToken = receipt?.PurchaseToken,
                Type = check.Kind == ProductKind.Auto ? OneStoreProductType.Auto
                    : check.Kind == ProductKind.Subscription ? OneStoreProductType.Subscription : OneStoreProductType.InApp,
                PurchaseId = receipt?.PurchaseId,
                DeveloperPayload = receipt?.DeveloperPayload,
                Quantity = receipt?.Quantity,
                Receipt = receipt,
                Purchase = purchase,
            };
        }
    }
}
