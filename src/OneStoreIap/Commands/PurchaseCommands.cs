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

    /// <summary>Set-OneStoreSubscription: deferSubscription (moves the next payment).</summary>
    [Cmdlet(VerbsCommon.Set, "OneStoreSubscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OperationResult))]
    public sealed class SetOneStoreSubscriptionCommand : OneStorePurchaseCmdletBase
    {
        /// <summary>How far to defer the next payment: days in Commercial (1-365), minutes in Sandbox.</summary>
        [Parameter(Mandatory = true)]
        [ValidateRange(1, 365)]
        public int DeferPeriod { get; set; }

        /// <summary>Writes an operation result for each item.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        internal override void ProcessItem(OneStoreConnection connection, object? target)
        {
            if (!ShouldProcess(Describe(), $"Defer the next payment by {DeferPeriod}")) return;
            OneStoreClient client = connection.Client;
            string productId = ProductId, purchaseToken = PurchaseToken;
            int period = DeferPeriod;
            bool passThru = PassThru.IsPresent;
            var log = RequestLog;
            Enqueue(target, async ct =>
            {
                OperationReply reply = await client.DeferSubscriptionAsync(productId, purchaseToken, period, log, ct).ConfigureAwait(false);
                return passThru ? OutputMapper.ToDeferResult(reply, productId, purchaseToken, client, period) : null;
            });
        }
    }
}
