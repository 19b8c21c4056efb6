using System.Collections.Generic;
using System.Threading;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>Request counters; lock-free.</summary>
    internal sealed class Counters
    {
        public static readonly string[] RouteNames =
        {
            Routes.IssueToken, Routes.GetPurchaseDetails, Routes.GetRecurringPurchaseDetails, Routes.GetSubscriptionDetail,
            Routes.AcknowledgePurchase, Routes.ConsumePurchase, Routes.CancelRecurringPurchase, Routes.ReactiveRecurringPurchase,
            Routes.CancelSubscription, Routes.ReactivateSubscription, Routes.DeferSubscription, Routes.GetVoidedPurchases,
            Routes.GetUnconfirmedPurchases,
        };

        private readonly long[] perRoute = new long[RouteNames.Length];
        private long total;
        private long inFlight;
        private long peakInFlight;
        private long faultsInjected;
        private long faultReplies;
        private long connectionsDropped;

        public void Enter()
        {
            Interlocked.Increment(ref total);
            var now = Interlocked.Increment(ref inFlight);
            var peak = Interlocked.Read(ref peakInFlight);
            while (now > peak)
            {
                var seen = Interlocked.CompareExchange(ref peakInFlight, now, peak);
                if (seen == peak) break;
                peak = seen;
            }
        }

        public void Exit() => Interlocked.Decrement(ref inFlight);

        public void Route(int routeIndex) => Interlocked.Increment(ref perRoute[routeIndex]);

        public void Fault() => Interlocked.Increment(ref faultsInjected);

        /// <summary>A request answered by a fault's status or body instead of the route (latency-only faults do not count).</summary>
        public void FaultReply() => Interlocked.Increment(ref faultReplies);

        public void Dropped() => Interlocked.Increment(ref connectionsDropped);

        public void Reset()
        {
            Interlocked.Exchange(ref total, 0);
            for (var i = 0; i < perRoute.Length; i++) Interlocked.Exchange(ref perRoute[i], 0);
            // requests in flight now are still in flight: the peak restarts from them
            Interlocked.Exchange(ref peakInFlight, Interlocked.Read(ref inFlight));
            Interlocked.Exchange(ref faultsInjected, 0);
            Interlocked.Exchange(ref faultReplies, 0);
            Interlocked.Exchange(ref connectionsDropped, 0);
        }

        public long Total => Interlocked.Read(ref total);
        public long InFlight => Interlocked.Read(ref inFlight);
        public long PeakInFlight => Interlocked.Read(ref peakInFlight);
        public long FaultsInjected => Interlocked.Read(ref faultsInjected);
        public long FaultReplies => Interlocked.Read(ref faultReplies);
        public long ConnectionsDropped => Interlocked.Read(ref connectionsDropped);
        public long RouteCount(int i) => Interlocked.Read(ref perRoute[i]);
    }

    internal sealed class RequestLogEntry
    {
        public long TimeMillis;
        public string Method = "";
        public string? Route;
        public string RawPath = "";
        public string[]? Segments;
        public string Query = "";
        public string? Authorization;
        public string? ContentType;
        public string? MarketCode;
        public string? Body;
        public int Status;
        public string? Code;
        public double DurationMs;
        public bool Fault;
        public bool Dropped;
    }

    /// <summary>The last N API requests, newest last.</summary>
    internal sealed class RequestLog
    {
        private readonly RequestLogEntry?[] ring;
        private long next;
        private readonly object gate = new();

        public RequestLog(int capacity) => ring = new RequestLogEntry?[capacity < 1 ? 1 : capacity];

        public void Add(RequestLogEntry entry)
        {
            lock (gate)
            {
                ring[next % ring.Length] = entry;
                next++;
            }
        }

        public List<RequestLogEntry> Last(int n)
        {
            lock (gate)
            {
                var count = (int)System.Math.Min(System.Math.Min(n, ring.Length), next);
                var list = new List<RequestLogEntry>(count);
                for (var i = next - count; i < next; i++) list.Add(ring[i % ring.Length]!);
                return list;
            }
        }

        public void Clear()
        {
            lock (gate)
            {
                System.Array.Clear(ring, 0, ring.Length);
                next = 0;
            }
        }
    }
}
