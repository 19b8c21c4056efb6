using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Reset-OneStoreEmulator: back to the seed (POST /_emulator/reset), or only the counters zeroed (POST /_emulator/counters/reset).</summary>
    [Cmdlet(VerbsCommon.Reset, "OneStoreEmulator")]
    [OutputType(typeof(void))]
    public sealed class ResetOneStoreEmulatorCommand : EmulatorCmdletBase
    {
        /// <summary>Zeroes the counters only (the peak in flight too); purchases, faults, the request log and the clock stay.</summary>
        [Parameter]
        public SwitchParameter CounterOnly { get; set; }

        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                InvokeControl(emulator, HttpMethod.Post, CounterOnly ? "counters/reset" : "reset", new Dictionary<string, object?>());
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
            }
        }
    }

    /// <summary>Get-OneStoreEmulatorCounter: what the emulator counted (GET /_emulator/counters).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorCounter")]
    [OutputType(typeof(EmulatorCounters))]
    public sealed class GetOneStoreEmulatorCounterCommand : EmulatorCmdletBase
    {
        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            try
            {
                WriteObject(EmulatorCounters.From(InvokeControl(emulator, HttpMethod.Get, "counters", null)));
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
            }
        }
    }

    /// <summary>Get-OneStoreEmulatorRequest: the API requests the emulator saw, oldest first (GET /_emulator/requests?last=N).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreEmulatorRequest")]
    [OutputType(typeof(EmulatorRequest))]
    public sealed class GetOneStoreEmulatorRequestCommand : EmulatorCmdletBase
    {
        /// <summary>How many of the most recent requests (the emulator keeps 1,000).</summary>
        [Parameter(Position = 0)]
        [ValidateRange(1, 1000)]
        public int Last { get; set; } = 100;

        /// <summary>Only the requests of this spec operation (issueToken, getPurchaseDetails, ...).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Route { get; set; }

        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            JsonTreeObject reply;
            try
            {
                reply = InvokeControl(emulator, HttpMethod.Get, "requests?last=" + Last.ToString(CultureInfo.InvariantCulture), null);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, emulator));
                return;
            }
            if (!(reply["requests"] is List<object?> list)) return;
            foreach (object? item in list)
            {
                if (!(item is JsonTreeObject tree)) continue;
                EmulatorRequest request = EmulatorRequest.From(tree);
                if (Route != null && !string.Equals(request.Route, Route, StringComparison.Ordinal)) continue;
                WriteObject(request);
            }
        }
    }

    /// <summary>
    /// Lets a TimeSpan parameter take the duration forms of the emulator's seed files: "2d", "3h", "90m", "30s",
    /// "500ms", chained ("1d12h"). Anything else (a TimeSpan, "1.00:00:00", a number of ticks) is left to PowerShell.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class EmulatorDurationTransformationAttribute : ArgumentTransformationAttribute
    {
        private static readonly Regex Duration = new Regex(@"^\s*(?:(\d+)(ms|d|h|m|s))+\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ps ? ps.BaseObject : inputData;
            if (value is string text && TryParse(text, out TimeSpan span)) return span;
            // Unquoted, 2d is PowerShell's decimal literal 2 (the d suffix): what was typed is two days. No one means
            // ticks by a decimal, so a decimal counts days.
            if (value is decimal days && days >= 0 && days <= (decimal)TimeSpan.MaxValue.TotalDays) return TimeSpan.FromDays((double)days);
            return inputData;
        }

        internal static bool TryParse(string text, out TimeSpan span)
        {
            span = TimeSpan.Zero;
            Match match = Duration.Match(text);
            if (!match.Success) return false;
            long millis = 0;
            Group numbers = match.Groups[1], units = match.Groups[2];
            for (int i = 0; i < numbers.Captures.Count; i++)
            {
                if (!long.TryParse(numbers.Captures[i].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return false;
                long unit = units.Captures[i].Value.ToLowerInvariant() switch
                {
                    "ms" => 1,
                    "s" => 1000,
                    "m" => 60_000,
                    "h" => 3_600_000,
                    _ => 86_400_000,
                };
                if (n > TimeSpan.MaxValue.TotalMilliseconds / unit) return false;
                millis += n * unit;
            }
            span = TimeSpan.FromMilliseconds(millis);
            return true;
        }
    }
}

namespace OneStoreIap
{
    /// <summary>The emulator's counters (Get-OneStoreEmulatorCounter): API requests since start or the last reset.</summary>
    public sealed class EmulatorCounters
    {
        /// <summary>Every API request, token requests included.</summary>
        public long TotalRequests { get; set; }

        /// <summary>Requests to the token route (issueToken).</summary>
        public long TokenRequests { get; set; }

        /// <summary>Requests per spec operation: <c>$counters.Routes.getPurchaseDetails</c> (every operation is listed, 0 when never called).</summary>
        public PSObject Routes { get; set; } = new PSObject();

        /// <summary>Requests being answered now.</summary>
        public long InFlight { get; set; }

        /// <summary>The most requests in flight at once.</summary>
        public long PeakInFlight { get; set; }

        /// <summary>Requests a fault fired for, latency included.</summary>
        public long FaultsInjected { get; set; }

        /// <summary>Requests answered by a fault's status or body.</summary>
        public long FaultReplies { get; set; }

        /// <summary>Connections a fault dropped.</summary>
        public long ConnectionsDropped { get; set; }

        public override string ToString() => TotalRequests.ToString(CultureInfo.InvariantCulture);

        internal static EmulatorCounters From(JsonTreeObject tree)
        {
            var counters = new EmulatorCounters();
            foreach (KeyValuePair<string, object?> p in tree.Properties)
            {
                long n = p.Value is long l ? l : 0;
                switch (p.Key)
                {
                    case "totalRequests": counters.TotalRequests = n; break;
                    case "tokenRequests": counters.TokenRequests = n; break;
                    case "inFlight": counters.InFlight = n; break;
                    case "peakInFlight": counters.PeakInFlight = n; break;
                    case "faultsInjected": counters.FaultsInjected = n; break;
                    case "faultReplies": counters.FaultReplies = n; break;
                    case "connectionsDropped": counters.ConnectionsDropped = n; break;
                    case "routes" when p.Value is JsonTreeObject routes:
                        foreach (KeyValuePair<string, object?> r in routes.Properties)
                        {
                            counters.Routes.Properties.Add(new PSNoteProperty(r.Key, r.Value is long c ? c : 0L));
                        }
                        break;
                }
            }
            return counters;
        }
    }

    /// <summary>One API request as the emulator logged it (Get-OneStoreEmulatorRequest); the token and any client secret show masked.</summary>
    public sealed class EmulatorRequest
    {
        /// <summary>When it came, on the emulator's virtual clock (UTC).</summary>
        public DateTimeOffset Time { get; set; }
        public string? Method { get; set; }

        /// <summary>The spec operation it reached (issueToken, getPurchaseDetails, ...); empty for a path no route serves.</summary>
        public string? Route { get; set; }
        public string? Path { get; set; }
        public string? Query { get; set; }

        /// <summary>The Authorization header, the token masked (<c>Bearer ***</c>).</summary>
        public string? Authorization { get; set; }
        public string? ContentType { get; set; }

        /// <summary>The x-market-code header.</summary>
        public string? MarketCode { get; set; }

        /// <summary>The request body (a client_secret masked).</summary>
        public string? Body { get; set; }

        /// <summary>The HTTP status of the reply.</summary>
        public int StatusCode { get; set; }

        /// <summary>The spec's error code of the reply, when it was an error.</summary>
        public string? Code { get; set; }
        public double DurationMs { get; set; }

        /// <summary>True when a fault fired for it.</summary>
        public bool Fault { get; set; }

        /// <summary>True when a fault dropped its connection.</summary>
        public bool Dropped { get; set; }

        public override string ToString() => Method + " " + Path + " -> " + StatusCode.ToString(CultureInfo.InvariantCulture);

        internal static EmulatorRequest From(JsonTreeObject tree)
        {
            var request = new EmulatorRequest();
            foreach (KeyValuePair<string, object?> p in tree.Properties)
            {
                switch (p.Key)
                {
                    case "timeMillis" when p.Value is long t: request.Time = DateTimeOffset.FromUnixTimeMilliseconds(t); break;
                    case "method": request.Method = p.Value as string; break;
                    case "route": request.Route = p.Value as string; break;
                    case "path": request.Path = p.Value as string; break;
                    case "query": request.Query = p.Value as string; break;
                    case "body": request.Body = p.Value as string; break;
                    case "status" when p.Value is long s: request.StatusCode = (int)s; break;
                    case "code": request.Code = p.Value as string; break;
                    case "durationMs" when p.Value is long ms: request.DurationMs = ms; break;
                    case "durationMs" when p.Value is decimal dms: request.DurationMs = (double)dms; break;
                    case "fault" when p.Value is bool f: request.Fault = f; break;
                    case "dropped" when p.Value is bool d: request.Dropped = d; break;
                    case "headers" when p.Value is JsonTreeObject headers:
                        request.Authorization = headers["authorization"] as string;
                        request.ContentType = headers["contentType"] as string;
                        request.MarketCode = headers["xMarketCode"] as string;
                        break;
                }
            }
            return request;
        }
    }
}
