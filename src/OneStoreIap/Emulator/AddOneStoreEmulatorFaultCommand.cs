using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
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
}
