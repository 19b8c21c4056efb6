using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Add-OneStoreEmulatorPurchase: a user buying a product (POST /_emulator/purchases).</summary>
    [Cmdlet(VerbsCommon.Add, "OneStoreEmulatorPurchase")]
    [OutputType(typeof(EmulatorPurchase))]
    public sealed class AddOneStoreEmulatorPurchaseCommand : EmulatorCmdletBase
    {
        /// <summary>The product bought; the emulator adds it to the app when it is new.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ProductId { get; set; } = null!;

        /// <summary>InApp (the default), Auto or Subscription.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public OneStoreProductType Type { get; set; } = OneStoreProductType.InApp;

        /// <summary>The market it is bought in: MKT_ONE (the default) or MKT_GLB.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public OneStoreMarketCode MarketCode { get; set; } = OneStoreMarketCode.MKT_ONE;

        /// <summary>The developer payload the app sent with the purchase.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? DeveloperPayload { get; set; }

        /// <summary>How many items were bought (in-app products).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, int.MaxValue)]
        public int Quantity { get; set; } = 1;

        /// <summary>The purchase token to use (1-20 characters); a new unique one when omitted.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateLength(1, 20)]
        public string? PurchaseToken { get; set; }

        /// <summary>The app that sells it; the emulator's first app (com.onestore.sample) when omitted.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>The purchase is acknowledged already (so it is not listed as unconfirmed).</summary>
        [Parameter]
        public SwitchParameter Acknowledged { get; set; }

        /// <summary>The purchase is consumed already (in-app products; a consumed purchase is acknowledged too).</summary>
        [Parameter]
        public SwitchParameter Consumed { get; set; }

        /// <summary>When it was bought; the emulator's now when omitted. An old time with neither -Acknowledged nor -Consumed meets the 3-day rule.</summary>
        [Parameter]
        public DateTimeOffset PurchaseTime
        {
            get => _purchaseTime ?? default;
            set => _purchaseTime = value;
        }

        private DateTimeOffset? _purchaseTime;

        protected override void ProcessRecord()
        {
            EmulatorInstance emulator = GetEmulator();
            string clientId = ClientId ?? emulator.ClientId ?? EmulatorInstance.SampleClientId;
            var body = new Dictionary<string, object?>
            {
                ["clientId"] = clientId,
                ["productId"] = ProductId,
                ["type"] = Type.ToString().ToLowerInvariant(),
                ["marketCode"] = MarketCode.ToString(),
                ["quantity"] = Quantity,
            };
            if (DeveloperPayload != null) body["developerPayload"] = DeveloperPayload;
            if (PurchaseToken != null) body["purchaseToken"] = PurchaseToken;
            if (Acknowledged) body["acknowledged"] = true;
            if (Consumed) body["consumed"] = true;
            if (_purchaseTime.HasValue) body["purchaseTime"] = _purchaseTime.Value.ToUnixTimeMilliseconds();
            try
            {
                WriteObject(EmulatorPurchase.From(InvokeControl(emulator, HttpMethod.Post, "purchases", body)));
            }
            catch (EmulatorControlException e)
            {
                WriteError(ToErrorRecord(e, PurchaseToken ?? ProductId));
            }
        }
    }
}
