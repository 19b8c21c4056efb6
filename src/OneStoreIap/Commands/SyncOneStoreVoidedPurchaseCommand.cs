using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using OneStoreIap.Engine;
using OneStoreIap.Engine.Sync;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Sync-OneStoreVoidedPurchase: the voided purchases that no earlier completed run of the same state file emitted,
    /// in voidedTime order, as Get-OneStoreVoidedPurchase's objects. The rules are <see cref="VoidedSync"/>'s; the
    /// state file is <see cref="VoidedSyncState"/>; the lock beside it <see cref="SyncLock"/>.
    /// </summary>
    [Cmdlet(VerbsData.Sync, "OneStoreVoidedPurchase")]
    [OutputType(typeof(VoidedPurchase))]
    public sealed class SyncOneStoreVoidedPurchaseCommand : OneStoreListingCmdletBase
    {
        /// <summary>A test's crash point: set to <c>BeforeStateRename</c>, the process ends between writing the new state and renaming it.</summary>
        internal const string CrashPointVariable = "ONESTOREIAP_TEST_CRASH_POINT";

        /// <summary>The state file (JSON); created by the first completed run.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string StatePath { get; set; } = null!;

        /// <summary>Where the first run starts (without it: as far back as the API reaches, one month). Ignored once the state file exists.</summary>
        [Parameter]
        public DateTimeOffset Since { get; set; }

        /// <summary>How far before the watermark each run reads again, for refunds that reach the list late (default 10 minutes).</summary>
        [Parameter]
        public TimeSpan Overlap { get; set; } = VoidedSync.DefaultOverlap;

        /// <summary>How many rows to ask for per page (the spec's maxResults, 1-100).</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int PageSize { get; set; }

        internal override string ActivityName => "Syncing voided purchases";

        protected override void EndProcessing()
        {
            if (Overlap < TimeSpan.Zero || Overlap > TimeSpan.FromDays(1))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Overlap {Overlap} is out of range: give 0 to 1 day (the default is {VoidedSync.DefaultOverlap})."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, Overlap));
            }
            string path = GetUnresolvedProviderPathFromPSPath(StatePath);
            OneStoreConnection connection = GetConnection();
            OneStoreClient client = connection.Client;
            string environment = connection.Environment.ToString();

            using SyncLock held = Take(() => SyncLock.Acquire(path), ErrorCategory.ResourceBusy, path);
            VoidedSyncState? state = Take(() => VoidedSyncState.Read(path), ErrorCategory.InvalidData, path);
            if (state != null && (!string.Equals(state.ClientId, connection.ClientId, StringComparison.Ordinal) ||
                                  !string.Equals(state.MarketCode, connection.MarketCode, StringComparison.Ordinal) ||
                                  !string.Equals(state.Environment, environment, StringComparison.OrdinalIgnoreCase)))
            {
                ThrowTerminatingError(new ErrorRecord(new SyncStateException("SyncStateMismatch",
                        $"The sync state file '{path}' belongs to client id {state.ClientId}, market {state.MarketCode}, environment {state.Environment}; " +
                        $"this connection is {connection.ClientId}, {connection.MarketCode}, {environment}. Use one state file per app, market and environment."),
                    "SyncStateMismatch", ErrorCategory.InvalidArgument, path));
            }

            string leftover = VoidedSyncState.TemporaryPath(path);
            if (File.Exists(leftover))
            {
                // A run that ended between writing its new state and renaming it: that state never took effect.
                WriteVerbose($"Removing '{leftover}', the unfinished write of a run that did not complete.");
                File.Delete(leftover);
            }

            // The window is judged by the server's clock: a token request first tells it as of now (one request a run;
            // an emulator's clock may have been moved since the connection's last reply).
            Await(client.ConnectAsync(RequestLog, CancellationToken));
            DateTimeOffset now = client.ServerClock.UtcNow;
            DateTimeOffset? since = state == null && MyInvocation.BoundParameters.ContainsKey(nameof(Since)) ? Since : (DateTimeOffset?)null;
            if (state != null && MyInvocation.BoundParameters.ContainsKey(nameof(Since)))
                WriteVerbose($"-Since is ignored: the state file '{path}' says where to resume.");
            VoidedSyncPlan plan = VoidedSync.Plan(state, since, Overlap, now);

            if (plan.GapStartMillis is long gapStart && plan.GapEndMillis is long gapEnd)
            {
                WriteWarning($"Refunds voided from {ListWindow.Format(gapStart)} to {ListWindow.Format(gapEnd)} can no longer be read: " +
                             "ONE store lists voided purchases only one month back" +
                             (state != null ? $", and this state file's last completed run read up to {ListWindow.Format(state.WatermarkMillis!.Value)}. " : ". ") +
                             "Check that interval another way (the ONE store Developer Center); this run reads everything after it.");
            }
            WriteVerbose(state == null
                ? $"First run of '{path}': reading voided purchases from {ListWindow.Format(plan.StartMillis)} to now (about {ListWindow.Format(plan.EndMillis)})."
                : $"Resuming '{path}' after its watermark {ListWindow.Format(state.WatermarkMillis ?? plan.StartMillis)} with an overlap of {Overlap}: " +
                  $"reading from {ListWindow.Format(plan.StartMillis)} to now (about {ListWindow.Format(plan.EndMillis)}).");

            var rows = new List<VoidedPurchase>();
            foreach ((long start, long? end) in plan.Windows())
            {
                var query = new PurchaseListQuery
                {
                    StartTimeMillis = start,
                    EndTimeMillis = end,
                    MaxResults = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null,
                };
                Drain(client.ListVoidedPurchases<object>(query, item => OutputMapper.ToVoided(item, client), RequestLog, CancellationToken),
                    item => rows.Add((VoidedPurchase)item));
            }

            List<VoidedPurchase> fresh = VoidedSync.SelectNew(state, rows, r => r.PurchaseId, r => r.VoidedTimeMillis);
            WriteVerbose($"Read {rows.Count} voided purchase(s); {fresh.Count} not emitted by an earlier completed run.");
            var emitted = new List<(string?, long?)>(fresh.Count);
            foreach (VoidedPurchase row in fresh)
            {
                // Stopped here (Select-Object -First, Ctrl+C, a failing command downstream): the state stays as it was.
                WriteObject(row);
                emitted.Add((row.PurchaseId, row.VoidedTimeMillis));
            }

            VoidedSyncState next = VoidedSync.Advance(state, connection.ClientId, connection.MarketCode, environment, plan, emitted, Overlap, now);
            Take(() =>
            {
                next.WriteAtomically(path, CrashPoint);
                return true;
            }, ErrorCategory.WriteError, path);
            WriteVerbose($"Completed: {fresh.Count} emitted; '{path}' now has its watermark at {ListWindow.Format(next.WatermarkMillis!.Value)}.");
        }

        private static void CrashPoint()
        {
            if (System.Environment.GetEnvironmentVariable(CrashPointVariable) == "BeforeStateRename")
                System.Environment.FailFast("Crash point BeforeStateRename reached (" + CrashPointVariable + ").");
        }

        /// <summary>Runs a step on the state file; its failure stops the command with an error naming the file.</summary>
        private T Take<T>(Func<T> step, ErrorCategory category, string path)
        {
            try
            {
                return step();
            }
            catch (SyncStateException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, e.Code, category, path));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new IOException($"The sync state file '{path}' could not be written: {e.Message} The previous state, if any, is unchanged.", e),
                    "SyncStateWriteFailed", category, path));
            }
            return default!;
        }
    }
}
