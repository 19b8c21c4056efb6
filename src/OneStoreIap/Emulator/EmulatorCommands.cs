using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Start-OneStoreEmulator: hosts the emulator inside this pwsh process (HttpListener on 127.0.0.1).</summary>
    [Cmdlet(VerbsLifecycle.Start, "OneStoreEmulator")]
    [OutputType(typeof(EmulatorInstance))]
    public sealed class StartOneStoreEmulatorCommand : OneStoreCmdletBase
    {
        /// <summary>The loopback port to listen on; 0 (the default) picks a free one.</summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int Port { get; set; }

        /// <summary>A JSON seed file (apps, products, purchases) instead of the built-in seed.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SeedPath { get; set; }

        /// <summary>Lifetime of the access tokens it issues, in seconds (the spec's 3,600 by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TokenLifetime { get; set; } = 3600;

        /// <summary>Sandbox rules: deferPeriod counts minutes instead of days.</summary>
        [Parameter]
        public SwitchParameter Sandbox { get; set; }

        /// <summary>Where the seed's first app's PNS notifications go (http or https).</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? NotificationUri { get; set; }

        protected override void EndProcessing()
        {
            string? unsupported = EmulatorLoader.GetUnsupportedReason();
            if (unsupported != null)
            {
                ThrowTerminatingError(new ErrorRecord(new PlatformNotSupportedException(unsupported),
                    "EmulatorNeedsPowerShell74", ErrorCategory.NotInstalled, null));
            }

            string? seedPath = null;
            if (SeedPath != null)
            {
                seedPath = GetUnresolvedProviderPathFromPSPath(SeedPath);
                if (!File.Exists(seedPath))
                {
                    ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The seed file " + seedPath + " does not exist.", seedPath),
                        "SeedNotFound", ErrorCategory.ObjectNotFound, SeedPath));
                }
            }

            string assemblyPath = EmulatorLoader.GetAssemblyPath(MyInvocation.MyCommand.Module?.ModuleBase);
            EmulatorInstance instance;
            try
            {
                instance = EmulatorLoader.Start(assemblyPath, Port, seedPath, TokenLifetime, Sandbox.IsPresent);
            }
            catch (InvalidOperationException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "EmulatorLoadFailed", ErrorCategory.NotInstalled, assemblyPath));
                return;
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidSeed", ErrorCategory.InvalidData, SeedPath));
                return;
            }
            catch (Exception e) when (e is System.Net.HttpListenerException || e is System.Net.Sockets.SocketException)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("The emulator cannot listen on 127.0.0.1:" + Port + ": " + e.Message, e),
                    "EmulatorStartFailed", ErrorCategory.ResourceUnavailable, Port));
                return;
            }
            EmulatorRegistry.Add(instance);
            try
            {
                if (instance.ClientId != null && NotificationUri != null) EmulatorApps.SetNotificationUri(instance.BaseUri, instance.ClientId, NotificationUri);
                instance.GetLicenseKey();
            }
            catch (InvalidOperationException e)
            {
                instance.Stop();
                EmulatorRegistry.Forget(instance);
                ThrowTerminatingError(new ErrorRecord(e, "InvalidArgument", ErrorCategory.InvalidArgument, NotificationUri));
            }
            WriteVerbose("The emulator listens on " + instance.BaseUri + " (app " + instance.ClientId + ").");
            WriteObject(instance);
        }
    }

    /// <summary>Stop-OneStoreEmulator: stops in-process emulators (the given ones, or every one started in this session).</summary>
    [Cmdlet(VerbsLifecycle.Stop, "OneStoreEmulator")]
    [OutputType(typeof(void))]
    public sealed class StopOneStoreEmulatorCommand : OneStoreCmdletBase
    {
        private bool _any;

        /// <summary>The emulator to stop; every emulator started in this session when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public EmulatorInstance[]? Emulator { get; set; }

        protected override void ProcessRecord()
        {
            if (Emulator == null) return;
            _any = true;
            foreach (EmulatorInstance instance in Emulator) Stop(instance);
        }

        protected override void EndProcessing()
        {
            // Only a bare Stop-OneStoreEmulator stops them all: an empty pipeline (nothing found to stop) stops nothing.
            if (_any || MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(Emulator))) return;
            foreach (EmulatorInstance instance in EmulatorRegistry.Running()) Stop(instance);
        }

        private void Stop(EmulatorInstance instance)
        {
            if (!instance.InProcess)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException("The emulator at " + instance.BaseUri + " does not run in this process; stop its own program instead."),
                    "EmulatorNotInProcess", ErrorCategory.InvalidOperation, instance));
                return;
            }
            if (instance.Stop()) WriteVerbose("Stopped the emulator at " + instance.BaseUri + ".");
            EmulatorRegistry.Forget(instance);
        }
    }

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

    /// <summary>Get-OneStoreEmulatorPurchase: the emulator's whole state of a purchase (GET /_emulator/purchases/{token}).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorPurchase")]
    [OutputType(typeof(EmulatorPurchase))]
    public sealed class GetOneStoreEmulatorPurchaseCommand : EmulatorCmdletBase
    {
        /// <summary>The purchase token.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string PurchaseToken { get; set; } = null!;

        protected override void ProcessRecord()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                JsonTreeObject reply = InvokeControl(emulator, HttpMethod.Get, "purchases/" + Uri.EscapeDataString(PurchaseToken), null);
                WriteObject(EmulatorPurchase.From(reply));
            }
            catch (EmulatorControlException e)
            {
                WriteError(ToErrorRecord(e, PurchaseToken));
            }
        }
    }

    /// <summary>Revoke-OneStoreEmulatorPurchase: a refund; the purchase is cancelled and listed as voided (POST /_emulator/purchases/{token}/void).</summary>
    [Cmdlet(VerbsSecurity.Revoke, "OneStoreEmulatorPurchase")]
    [OutputType(typeof(EmulatorPurchase))]
    public sealed class RevokeOneStoreEmulatorPurchaseCommand : EmulatorCmdletBase
    {
        /// <summary>The purchase token of the purchase refunded.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string PurchaseToken { get; set; } = null!;

        /// <summary>Also writes the purchase's new state to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                JsonTreeObject reply = InvokeControl(emulator, HttpMethod.Post, "purchases/" + Uri.EscapeDataString(PurchaseToken) + "/void", new Dictionary<string, object?>());
                if (PassThru) WriteObject(EmulatorPurchase.From(reply));
            }
            catch (EmulatorControlException e)
            {
                WriteError(ToErrorRecord(e, PurchaseToken));
            }
        }
    }

    /// <summary>Set-OneStoreEmulatorClock: moves the emulator's virtual clock forward (POST /_emulator/clock/advance).</summary>
    [Cmdlet(VerbsCommon.Set, "OneStoreEmulatorClock")]
    [OutputType(typeof(EmulatorClock))]
    public sealed class SetOneStoreEmulatorClockCommand : EmulatorCmdletBase
    {
        /// <summary>How far to move the clock forward: a TimeSpan, or the seed files' forms ("2d", "3h", "90m", "1d12h").</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [EmulatorDurationTransformation]
        public TimeSpan Advance { get; set; }

        /// <summary>Also writes the clock's new time to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            if (Advance < TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("The emulator's clock only moves forward: -Advance must not be negative."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, Advance));
            }
            EmulatorInstance emulator = GetEmulator();
            JsonTreeObject reply;
            try
            {
                reply = InvokeControl(emulator, HttpMethod.Post, "clock/advance",
                    new Dictionary<string, object?> { ["milliseconds"] = (long)Advance.TotalMilliseconds });
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, Advance));
                return;
            }
            WriteVerbose("Moved the emulator's clock forward by " + Advance + ".");
            if (!PassThru) return;
            long now = 0, offset = 0;
            foreach (var p in reply.Properties)
            {
                if (p.Key == "nowMillis" && p.Value is long n) now = n;
                if (p.Key == "offsetMillis" && p.Value is long o) offset = o;
            }
            WriteObject(new EmulatorClock { Now = DateTimeOffset.FromUnixTimeMilliseconds(now), Offset = TimeSpan.FromMilliseconds(offset) });
        }
    }

    /// <summary>Add-OneStoreEmulatorFault: injects a fault into the emulator's API routes (POST /_emulator/faults).</summary>
    [Cmdlet(VerbsCommon.Add, "OneStoreEmulatorFault")]
    [OutputType(typeof(EmulatorFault))]
    public sealed class AddOneStoreEmulatorFaultCommand : EmulatorCmdletBase
    {
        /// <summary>The spec operation to hit (its name, as in the emulator's counters); * (the default) hits every API route.</summary>
        [Parameter(Position = 0)]
        [ValidateSet("*", "issueToken", "getPurchaseDetails", "getRecurringPurchaseDetails", "getSubscriptionDetail", "acknowledgePurchase",
            "consumePurchase", "cancelRecurringPurchase", "reactiveRecurringPurchase", "cancelSubscription", "reactivateSubscription",
            "deferSubscription", "getVoidedPurchases", "getUnconfirmedPurchases")]
        public string Route { get; set; } = "*";

        /// <summary>The HTTP status to answer with (503, 500, 429, ...).</summary>
        [Parameter]
        [ValidateRange(100, 599)]
        public int StatusCode { get; set; }

        /// <summary>The spec's error code in the body (for example ServiceMaintenance); the spec's code for the status when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Code { get; set; }

        /// <summary>Fires for the next N matching requests only.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Lets the first N matching requests through before the fault starts firing.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Skip { get; set; }

        /// <summary>Fires at random for this share of the matching requests (0 to 1).</summary>
        [Parameter]
        [ValidateRange(0.0, 1.0)]
        public double Rate { get; set; }

        /// <summary>Delays the reply by this many milliseconds.</summary>
        [Parameter]
        [ValidateRange(0, 600000)]
        public int LatencyMs { get; set; }

        /// <summary>Drops the connection Before the request is applied, or After it (so the reply is lost).</summary>
        [Parameter]
        public EmulatorFaultDrop Drop { get; set; }

        /// <summary>Fires only for requests of this HTTP method (GET or POST: the spec's routes use no other).</summary>
        [Parameter]
        [ValidateSet("GET", "POST")]
        public string? Method { get; set; }

        /// <summary>The Retry-After header (seconds) sent with the -StatusCode reply.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int RetryAfter { get; set; }

        /// <summary>Answers with this raw body instead of the spec's error body (an HTML page, truncated JSON, ...).</summary>
        [Parameter]
        [ValidateNotNull]
        public string? Body { get; set; }

        /// <summary>The Content-Type of the -Body reply.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ContentType { get; set; }

        protected override void EndProcessing()
        {
            var bound = MyInvocation.BoundParameters;
            if (!bound.ContainsKey(nameof(StatusCode)) && !bound.ContainsKey(nameof(LatencyMs)) && !bound.ContainsKey(nameof(Drop)) && Body == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Say what the fault does: -StatusCode, -Body, -LatencyMs or -Drop."),
                    "FaultWithoutEffect", ErrorCategory.InvalidArgument, null));
            }
            var body = new Dictionary<string, object?> { ["route"] = Route };
            var fault = new EmulatorFault { Route = Route };
            if (bound.ContainsKey(nameof(StatusCode))) { body["status"] = StatusCode; fault.StatusCode = StatusCode; }
            if (Code != null) { body["code"] = Code; fault.Code = Code; }
            if (bound.ContainsKey(nameof(Count))) { body["count"] = Count; fault.Count = Count; }
            if (bound.ContainsKey(nameof(Skip))) { body["skip"] = Skip; fault.Skip = Skip; }
            if (bound.ContainsKey(nameof(Rate))) { body["rate"] = Rate; fault.Rate = Rate; }
            if (bound.ContainsKey(nameof(LatencyMs))) { body["latencyMs"] = LatencyMs; fault.LatencyMs = LatencyMs; }
            if (bound.ContainsKey(nameof(Drop))) { body["drop"] = Drop == EmulatorFaultDrop.Before ? "before" : "after"; fault.Drop = Drop; }
            if (Method != null) { body["method"] = Method.ToUpperInvariant(); fault.Method = Method.ToUpperInvariant(); }
            if (bound.ContainsKey(nameof(RetryAfter))) { body["retryAfter"] = RetryAfter; fault.RetryAfter = RetryAfter; }
            if (Body != null) { body["body"] = Body; fault.Body = Body; }
            if (ContentType != null) { body["contentType"] = ContentType; fault.ContentType = ContentType; }

            EmulatorInstance emulator = GetEmulator();
            JsonTreeObject reply;
            try
            {
                reply = InvokeControl(emulator, HttpMethod.Post, "faults", body);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, Route));
                return;
            }
            foreach (var p in reply.Properties)
            {
                if (p.Key == "id" && p.Value is long id) fault.Id = id;
            }
            WriteObject(fault);
        }
    }

    /// <summary>Clear-OneStoreEmulatorFault: removes every injected fault (DELETE /_emulator/faults).</summary>
    [Cmdlet(VerbsCommon.Clear, "OneStoreEmulatorFault")]
    [OutputType(typeof(void))]
    public sealed class ClearOneStoreEmulatorFaultCommand : EmulatorCmdletBase
    {
        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                InvokeControl(emulator, HttpMethod.Delete, "faults", null);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
            }
        }
    }
}
