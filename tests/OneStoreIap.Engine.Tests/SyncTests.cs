using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OneStoreIap.Engine.Sync;
using Xunit;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>The refund sync's rules (plan, select, advance), its state file, its lock, the window rules and the server clock.</summary>
    public class SyncTests : IDisposable
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
        private static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "sync-tests-" + Guid.NewGuid().ToString("N"));

        public SyncTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, true);

        private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

        private static VoidedSyncState State(long? watermark, params (string Id, long Time)[] seen)
        {
            var state = new VoidedSyncState("com.example.app", "MKT_ONE", "Commercial") { WatermarkMillis = watermark, Overlap = Overlap };
            foreach (var (id, time) in seen) state.Seen.Add(new SeenPurchase(id, time));
            return state;
        }

        [Fact]
        public void FirstRunReadsFromSinceOrAsFarBackAsTheApiReaches()
        {
            VoidedSyncPlan plan = VoidedSync.Plan(null, null, Overlap, Now);
            Assert.Equal(Ms(Now), plan.EndMillis);
            Assert.Equal(Ms(Now - ListWindow.SafeReach), plan.StartMillis);
            Assert.Null(plan.GapStartMillis);

            plan = VoidedSync.Plan(null, Now.AddDays(-7), Overlap, Now);
            Assert.Equal(Ms(Now.AddDays(-7)), plan.StartMillis);
            Assert.Null(plan.GapStartMillis);
        }

        [Fact]
        public void ALaterRunReadsFromTheWatermarkLessTheOverlap()
        {
            VoidedSyncPlan plan = VoidedSync.Plan(State(Ms(Now.AddDays(-1))), Now.AddDays(-20), Overlap, Now);
            Assert.Equal(Ms(Now.AddDays(-1) - Overlap), plan.StartMillis);
            Assert.Null(plan.GapStartMillis);
        }

        [Fact]
        public void AWatermarkBeyondTheReachNamesTheIntervalThatCannotBeRead()
        {
            long watermark = Ms(Now.AddDays(-40));
            VoidedSyncPlan plan = VoidedSync.Plan(State(watermark), null, Overlap, Now);
            Assert.Equal(watermark - (long)Overlap.TotalMilliseconds, plan.GapStartMillis);
            Assert.Equal(Ms(Now - ListWindow.SafeReach), plan.GapEndMillis);
            Assert.Equal(plan.GapEndMillis, plan.StartMillis);
        }

        [Fact]
        public void ThePlanIsReadInChunksWithExplicitEndsThenOneFromItsStartAlone()
        {
            VoidedSyncPlan plan = VoidedSync.Plan(null, null, Overlap, Now);
            var windows = plan.Windows().ToList();
            Assert.Equal(2, windows.Count);
            Assert.Equal((plan.StartMillis, (long?)(plan.StartMillis + VoidedSyncPlan.ChunkMillis)), windows[0]);
            Assert.Equal((plan.StartMillis + VoidedSyncPlan.ChunkMillis, (long?)null), windows[1]);
            Assert.Single(VoidedSync.Plan(State(Ms(Now.AddDays(-1))), null, Overlap, Now).Windows());
        }

        [Fact]
        public void SelectNewDropsWhatWasSeenAndRepeatsAndSortsByVoidedTime()
        {
            VoidedSyncState state = State(1000, ("A", 995));
            var rows = new[] { ("C", 1200L), ("A", 995L), ("B", 1100L), ("C", 1200L), ("D", 1100L) };
            List<(string, long)> fresh = VoidedSync.SelectNew(state, rows, r => r.Item1, r => r.Item2);
            Assert.Equal(new[] { "B", "D", "C" }, fresh.Select(r => r.Item1));
        }

        [Fact]
        public void AdvanceMovesTheWatermarkAndKeepsOnlyTheNewOverlap()
        {
            long end = Ms(Now);
            long overlap = (long)Overlap.TotalMilliseconds;
            VoidedSyncState previous = State(end - 3_600_000, ("old", end - 3_600_000 - 1000));
            previous.EmittedTotal = 5;
            var plan = VoidedSync.Plan(previous, null, Overlap, Now);
            VoidedSyncState next = VoidedSync.Advance(previous, "com.example.app", "MKT_ONE", "Commercial", plan,
                new (string?, long?)[] { ("early", end - overlap - 1), ("edge", end - overlap), ("late", end - 5), ("nameless", null) }, Overlap, Now);
            Assert.Equal(end, next.WatermarkMillis);
            Assert.Equal(new[] { "edge", "late", "nameless" }, next.Seen.Select(s => s.PurchaseId));
            Assert.Equal(9, next.EmittedTotal);
        }

        [Fact]
        public void TheStateFileRoundTripsAndIsReadable()
        {
            string path = Path.Combine(_dir, "state.json");
            VoidedSyncState state = State(1796293084127, ("26120309124410111299", 1796293000000));
            state.LastRunCompleted = Now;
            state.EmittedTotal = 3;
            state.WriteAtomically(path);
            string text = File.ReadAllText(path);
            Assert.Contains("\"watermark\": \"2026-12-03T10:18:04.127Z\"", text);
            Assert.Contains("\"version\": 1", text);
            VoidedSyncState read = VoidedSyncState.Read(path)!;
            Assert.Equal(state.WatermarkMillis, read.WatermarkMillis);
            Assert.Equal(Now, read.LastRunCompleted);
            Assert.Equal(3, read.EmittedTotal);
            Assert.Equal("26120309124410111299", Assert.Single(read.Seen).PurchaseId);
            Assert.False(File.Exists(VoidedSyncState.TemporaryPath(path)));
            Assert.Null(VoidedSyncState.Read(Path.Combine(_dir, "none.json")));
        }

        [Theory]
        [InlineData("{")]
        [InlineData("[]")]
        [InlineData("{\"kind\":\"something\",\"version\":1}")]
        [InlineData("{\"kind\":\"OneStoreIap.VoidedPurchaseSync\",\"version\":2,\"clientId\":\"a\",\"marketCode\":\"MKT_ONE\",\"environment\":\"Commercial\"}")]
        [InlineData("{\"kind\":\"OneStoreIap.VoidedPurchaseSync\",\"version\":1,\"marketCode\":\"MKT_ONE\",\"environment\":\"Commercial\"}")]
        [InlineData("{\"kind\":\"OneStoreIap.VoidedPurchaseSync\",\"version\":1,\"clientId\":\"a\",\"marketCode\":\"MKT_ONE\",\"environment\":\"Commercial\",\"seen\":[{\"purchaseId\":\"x\"}]}")]
        [InlineData("{\"kind\":\"OneStoreIap.VoidedPurchaseSync\",\"version\":1,\"clientId\":\"a\",\"marketCode\":\"MKT_ONE\",\"environment\":\"Commercial\",\"watermarkMillis\":\"soon\"}")]
        public void AStateFileThatIsNotOneIsRefusedAndLeftAsItIs(string content)
        {
            string path = Path.Combine(_dir, "bad.json");
            File.WriteAllText(path, content);
            SyncStateException e = Assert.Throws<SyncStateException>(() => VoidedSyncState.Read(path));
            Assert.Equal("SyncStateCorrupt", e.Code);
            Assert.Contains(path, e.Message);
            Assert.Equal(content, File.ReadAllText(path));
        }

        [Fact]
        public void ACrashBeforeTheRenameLeavesTheOldStateWhole()
        {
            string path = Path.Combine(_dir, "state.json");
            State(100).WriteAtomically(path);
            string before = File.ReadAllText(path);
            Assert.Throws<InvalidOperationException>(() => State(200).WriteAtomically(path, () => throw new InvalidOperationException("crash")));
            Assert.Equal(before, File.ReadAllText(path));
            Assert.Equal(100, VoidedSyncState.Read(path)!.WatermarkMillis);
            Assert.True(File.Exists(VoidedSyncState.TemporaryPath(path)));
            State(300).WriteAtomically(path);
            Assert.Equal(300, VoidedSyncState.Read(path)!.WatermarkMillis);
        }

        [Fact]
        public void TheLockRefusesASecondHolderAndIsFreeOnceReleased()
        {
            string path = Path.Combine(_dir, "state.json");
            using (SyncLock.Acquire(path))
            {
                SyncStateException e = Assert.Throws<SyncStateException>(() => SyncLock.Acquire(path));
                Assert.Equal("SyncStateLocked", e.Code);
                Assert.Contains(SyncLock.LockPath(path), e.Message);
            }
            Assert.False(File.Exists(SyncLock.LockPath(path)));
            File.WriteAllText(SyncLock.LockPath(path), "process 1 on elsewhere");   // left by a crashed run
            using (SyncLock.Acquire(path)) { }
        }

        [Theory]
        [InlineData(-30, 0, true)]
        [InlineData(-31, 0, true)]
        [InlineData(-32, 0, false)]
        public void AStartIsAcceptedBackToOneMonthByAnyCalendar(int days, int endDays, bool accepted)
        {
            string? broken = ListWindow.Check(Ms(Now.AddDays(days)), Ms(Now.AddDays(endDays)), Now, continued: false);
            Assert.Equal(accepted, broken == null);
            if (!accepted) Assert.Contains("at most one month back", broken);
            // A continued listing keeps its window.
            Assert.Null(ListWindow.Check(Ms(Now.AddDays(days)), Ms(Now.AddDays(endDays)), Now, continued: true));
        }

        [Fact]
        public void AnEndInTheFutureOrAfterTheStartIsRefused()
        {
            Assert.Contains("in the future", ListWindow.Check(null, Ms(Now.AddMinutes(5)), Now, false));
            Assert.Null(ListWindow.Check(null, Ms(Now.AddSeconds(5)), Now, false));
            Assert.Contains("start must come before its end", ListWindow.Check(Ms(Now.AddDays(-1)), Ms(Now.AddDays(-2)), Now, false));
        }

        [Fact]
        public void TheServerClockFollowsTheDateOfReplies()
        {
            DateTimeOffset local = Now;
            var clock = new ServerClock(() => local);
            Assert.Equal(Now, clock.UtcNow);
            clock.Observe(null);
            Assert.Equal(Now, clock.UtcNow);
            clock.Observe(Now.AddDays(2));
            local = Now.AddSeconds(30);
            Assert.Equal(Now.AddDays(2).AddSeconds(30), clock.UtcNow);
        }
    }
}
