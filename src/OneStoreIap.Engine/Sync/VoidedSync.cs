using System;
using System.Collections.Generic;

namespace OneStoreIap.Engine.Sync
{
    /// <summary>What one run of the refund sync reads: a window, and the interval it can no longer read, if any.</summary>
    public sealed class VoidedSyncPlan
    {
        internal VoidedSyncPlan(long startMillis, long endMillis, long? gapStartMillis, long? gapEndMillis)
        {
            StartMillis = startMillis;
            EndMillis = endMillis;
            GapStartMillis = gapStartMillis;
            GapEndMillis = gapEndMillis;
        }

        public long StartMillis { get; }

        /// <summary>
        /// The server's time just before the run asks (a lower bound of the server's now when it answers): everything
        /// voided up to here is listed by this run, and it becomes the watermark when the run completes.
        /// </summary>
        public long EndMillis { get; }

        /// <summary>The longest window the sync asks for with an explicit end: shorter than any reading of "one month".</summary>
        public static readonly long ChunkMillis = (long)TimeSpan.FromDays(27).TotalMilliseconds;

        /// <summary>
        /// The listings that read the plan: windows of at most <see cref="ChunkMillis"/> with an explicit end (in the
        /// past, so never refused), then the last one from its start alone (null end). Spec getVoidedPurchases: "if
        /// startTime is used alone, endTime will be set until one month after startTime", and the end "cannot be bigger
        /// than the current time"; so the last listing leaves its end to the server, whose own now ends it, and nothing
        /// voided before the run began waits behind the watermark for a later run (a client-side end taken from a
        /// Date header, whole seconds, could miss the last second).
        /// </summary>
        public IEnumerable<(long Start, long? End)> Windows()
        {
            long cursor = StartMillis;
            while (EndMillis - cursor > ChunkMillis)
            {
                yield return (cursor, cursor + ChunkMillis);
                cursor += ChunkMillis;
            }
            yield return (cursor, null);
        }

        /// <summary>When the run should have read from further back than the API reaches: the interval lost (else null).</summary>
        public long? GapStartMillis { get; }
        public long? GapEndMillis { get; }
    }

    /// <summary>
    /// The refund sync's rules, apart from files and pipelines: where a run reads from, which rows it emits, and the
    /// state a completed run leaves.
    /// <list type="bullet">
    /// <item>A run reads from the watermark minus the overlap (a refund that reaches the list late, with a voidedTime a
    /// little before the watermark, is still found) up to the server's now; the first run from -Since, or as far back
    /// as the API allows (<see cref="ListWindow.SafeReach"/>).</item>
    /// <item>It emits the rows no completed run emitted: those with a purchase id in the state's seen list (the overlap)
    /// are dropped, as are repeats within the run; the rest go out in voidedTime order (then purchase id).</item>
    /// <item>When the run completed, the watermark moves to the window's end and the seen list keeps the purchases
    /// emitted (now or before) with a voidedTime in the new overlap.</item>
    /// </list>
    /// </summary>
    public static class VoidedSync
    {
        /// <summary>The overlap when none is given: ten minutes.</summary>
        public static readonly TimeSpan DefaultOverlap = TimeSpan.FromMinutes(10);

        public static VoidedSyncPlan Plan(VoidedSyncState? state, DateTimeOffset? since, TimeSpan overlap, DateTimeOffset serverNow)
        {
            long end = serverNow.ToUnixTimeMilliseconds();
            long reach = end - (long)ListWindow.SafeReach.TotalMilliseconds;
            long? wanted = state?.WatermarkMillis is long watermark ? watermark - (long)overlap.TotalMilliseconds
                : since?.ToUnixTimeMilliseconds();
            long start = wanted ?? reach;
            long? gapStart = null, gapEnd = null;
            if (start < reach)
            {
                gapStart = start;
                gapEnd = reach;
                start = reach;
            }
            if (start > end) start = end; // a watermark ahead of the server's clock estimate: read from there to now
            return new VoidedSyncPlan(start, end, gapStart, gapEnd);
        }

        /// <summary>The rows to emit, in order: not seen by a completed run, once each, by voidedTime then purchase id.</summary>
        public static List<T> SelectNew<T>(VoidedSyncState? state, IEnumerable<T> rows, Func<T, string?> purchaseId, Func<T, long?> voidedTime)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (state != null)
            {
                foreach (SeenPurchase s in state.Seen) seen.Add(s.PurchaseId);
            }
            var fresh = new List<(T Row, long Time, string Id, int Order)>();
            int order = 0;
            foreach (T row in rows)
            {
                string id = purchaseId(row) ?? "";
                if (id.Length > 0 && !seen.Add(id)) continue;
                fresh.Add((row, voidedTime(row) ?? long.MaxValue, id, order++));
            }
            fresh.Sort((a, b) =>
            {
                int c = a.Time.CompareTo(b.Time);
                if (c == 0) c = string.CompareOrdinal(a.Id, b.Id);
                return c != 0 ? c : a.Order.CompareTo(b.Order);
            });
            var result = new List<T>(fresh.Count);
            foreach (var f in fresh) result.Add(f.Row);
            return result;
        }

        /// <summary>
        /// The state a completed run leaves: the watermark at the window's end, the seen list of the new overlap.
        /// <paramref name="emitted"/> are the rows the run emitted (purchase id, voidedTime; a row without a voidedTime
        /// counts as voided at the window's end).
        /// </summary>
        public static VoidedSyncState Advance(VoidedSyncState? previous, string clientId, string marketCode, string environment,
            VoidedSyncPlan plan, IEnumerable<(string? PurchaseId, long? VoidedTimeMillis)> emitted, TimeSpan overlap, DateTimeOffset completed)
        {
            var next = new VoidedSyncState(clientId, marketCode, environment)
            {
                WatermarkMillis = Math.Max(plan.EndMillis, previous?.WatermarkMillis ?? long.MinValue),
                Overlap = overlap,
                LastRunCompleted = completed,
                EmittedTotal = previous?.EmittedTotal ?? 0,
            };
            long keepFrom = next.WatermarkMillis.Value - (long)overlap.TotalMilliseconds;
            var kept = new HashSet<string>(StringComparer.Ordinal);
            void Keep(string? id, long time)
            {
                if (!string.IsNullOrEmpty(id) && time >= keepFrom && kept.Add(id!)) next.Seen.Add(new SeenPurchase(id!, time));
            }
            if (previous != null)
            {
                foreach (SeenPurchase s in previous.Seen) Keep(s.PurchaseId, s.VoidedTimeMillis);
            }
            foreach (var (id, time) in emitted)
            {
                next.EmittedTotal++;
                Keep(id, time ?? plan.EndMillis);
            }
            next.Seen.Sort((a, b) => a.VoidedTimeMillis != b.VoidedTimeMillis ? a.VoidedTimeMillis.CompareTo(b.VoidedTimeMillis) : string.CompareOrdinal(a.PurchaseId, b.PurchaseId));
            return next;
        }
    }
}
