using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The base of the per-item cmdlets: up to -ThrottleLimit requests in flight (<see cref="OrderedRequestWindow"/>);
    /// results come out in input order, each error tied to its item. ShouldProcess, WriteObject and WriteError are only
    /// called on the pipeline thread.
    /// </summary>
    /// <remarks>
    /// Items are accepted ahead of the requests: while -ThrottleLimit requests are in flight, up to
    /// <see cref="AcceptedAhead"/> more items wait, bound and checked. The pipeline thread meanwhile binds the next input
    /// and writes finished results, so PowerShell's work per item overlaps the requests instead of alternating with
    /// them (with -ThrottleLimit 1 too: still one request at a time).
    /// </remarks>
    public abstract class OneStoreItemCmdletBase : OneStoreConnectedCmdletBase
    {
        /// <summary>
        /// 8 in-flight requests hide most of the network latency to ONE store (a lookup is a small request, so the
        /// round trip dominates) while staying far from anything that would look like abuse of an API without
        /// documented rate limits. 1 sends strictly one request at a time.
        /// </summary>
        public const int DefaultThrottleLimit = 8;

        /// <summary>
        /// The least waiting room: the pipeline thread then sleeps through 8 replies at a time (tests/bench/README.md
        /// has the measurements behind the figure).
        /// </summary>
        internal const int MinimumAcceptedAhead = 16;

        private OrderedRequestWindow? _window;
        private long _done;
        private long _failed;

        /// <summary>How many requests may be in flight at once (1 = strictly one at a time).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        /// <summary>How many items may wait, accepted but not started, besides the ones in flight.</summary>
        internal int AcceptedAhead => Math.Max(ThrottleLimit, MinimumAcceptedAhead);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // The tick lets verbose request lines out during a long wait.
            _window = new OrderedRequestWindow(ThrottleLimit, AcceptedAhead, CancellationToken, TimeSpan.FromMilliseconds(250));
        }

        /// <summary>
        /// Accepts one item: <paramref name="start"/> runs when a request slot is free (on this thread or on the one that
        /// freed it); finished items at the head are written, and the pipeline thread waits while the window is full.
        /// </summary>
        internal void Enqueue(object? target, Func<CancellationToken, Task<object?>> start)
        {
            OrderedRequestWindow window = _window!;
            window.Add(target, start);
            WriteFinished();
            if (window.IsFull)
            {
                Wait(window.WaitForRoom);
                WriteFinished();
            }
        }

        /// <summary>Runs one of the window's waits until it is done, flushing verbose output at each tick; Ctrl+C stops it.</summary>
        private void Wait(Func<bool> wait)
        {
            try
            {
                while (!wait()) FlushRequestLog();
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Writes the finished items at the head, in input order.</summary>
        private void WriteFinished()
        {
            FlushRequestLog();
            while (_window!.TryTake(out object? target, out Task<object?> task)) Write(target, task);
        }

        private void Write(object? target, Task<object?> task)
        {
            _done++;
            try
            {
                if (task.Status == TaskStatus.RanToCompletion)
                {
                    if (task.Result != null) WriteObject(task.Result);
                }
                else
                {
                    _failed++;
                    Exception failure = task.Exception?.GetBaseException() ?? (Exception)new OperationCanceledException();
                    WriteFailure(failure, target);
                }
            }
            catch
            {
                // The pipeline is stopping (Select-Object -First has what it needs, or Ctrl+C): no waiting item starts now.
                _window!.Stop();
                throw;
            }
            ReportProgress();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _window?.Dispose();
            base.Dispose(disposing);
        }

        /// <summary>Items done so far (pipeline input has no known total), when a record is due.</summary>
        private void ReportProgress()
        {
            if (ProgressDue()) WriteProgress(NewProgress(ProgressRecordType.Processing));
        }

        // A new record each time: hosts may keep the records they are given.
        private ProgressRecord NewProgress(ProgressRecordType type) =>
            new ProgressRecord(2, MyInvocation.MyCommand.Name, _failed == 0 ? $"{_done} item(s) done" : $"{_done} item(s) done, {_failed} failed")
            {
                RecordType = type,
            };

        protected override void EndProcessing()
        {
            OrderedRequestWindow window = _window!;
            while (window.Count > 0)
            {
                Wait(window.WaitForHead);
                WriteFinished();
            }
            FlushRequestLog();
            if (ProgressShown) WriteProgress(NewProgress(ProgressRecordType.Completed));
        }
    }
}
