using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

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
}
