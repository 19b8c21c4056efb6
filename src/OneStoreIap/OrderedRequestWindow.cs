using System;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap
{
    /// <summary>
    /// Runs one request per item, at most <c>limit</c> at a time, and hands the results back in input order.
    /// </summary>
    /// <remarks>
    /// One bounded queue of items in input order. Its oldest items are started (in flight or finished), its newest wait
    /// for a free slot; a request that finishes starts the next waiting item itself, before it wakes anyone, so the
    /// next request goes out first. The caller (the pipeline thread) adds items, takes finished ones from the head,
    /// and sleeps while the queue is full: until the first result at the start (so it is prompt), later until half of
    /// the waiting room has finished, so it wakes once per several items rather than once per reply (each wake-up
    /// costs about what binding an item does; tests/bench/README.md has the measurements).
    /// Knows nothing of PowerShell; any thread may finish a request, only one thread adds, takes and waits.
    /// </remarks>
    internal sealed class OrderedRequestWindow : IDisposable
    {
        private readonly object _gate = new object();
        private readonly Entry?[] _queue;
        private readonly int _limit;
        private readonly int _wakeBatch;
        private readonly CancellationToken _cancellationToken;
        private readonly CancellationTokenRegistration _wakeOnCancel;
        private readonly Timer? _ticks;

        // All under _gate. The queue holds _count items from _head, in input order: the first _started of them have
        // started, and the first _finished of those have finished, one after another.
        private int _head;
        private int _count;
        private int _started;
        private int _finished;
        private int _inFlight;
        private long _taken;
        private long _added;
        private int _waitingFor; // the caller sleeps until this many items at the head have finished (0: not asleep)
        private bool _tick;
        private bool _stopped;

        /// <param name="limit">How many requests may be in flight at once.</param>
        /// <param name="waitingRoom">How many more items may be accepted, not yet started, beyond those in flight.</param>
        /// <param name="cancellationToken">Cancels the requests (they receive it) and ends a wait at once.</param>
        /// <param name="tickInterval">How often a wait returns false so the caller can do its own work meanwhile
        /// (<see cref="Timeout.InfiniteTimeSpan"/>: only when <see cref="Tick"/> is called).</param>
        public OrderedRequestWindow(int limit, int waitingRoom, CancellationToken cancellationToken, TimeSpan tickInterval)
        {
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit));
            if (waitingRoom < 0) throw new ArgumentOutOfRangeException(nameof(waitingRoom));
            _limit = limit;
            _wakeBatch = Math.Max(1, waitingRoom / 2);
            _queue = new Entry?[limit + waitingRoom];
            _cancellationToken = cancellationToken;
            _wakeOnCancel = cancellationToken.Register(Wake);
            if (tickInterval != Timeout.InfiniteTimeSpan)
            {
                using (SuppressContextFlow()) _ticks = new Timer(_ => Tick(), null, tickInterval, tickInterval);
            }
        }

        /// <summary>Items accepted and not yet taken.</summary>
        public int Count
        {
            get { lock (_gate) return _count; }
        }

        /// <summary>Whether the queue is full: the next <see cref="Add"/> must wait for room first.</summary>
        public bool IsFull
        {
            get { lock (_gate) return _count == _queue.Length; }
        }

        /// <summary>
        /// Accepts one item: <paramref name="start"/> runs at once if a slot is free, else when an earlier request
        /// finishes (on the thread that saw it finish). Never blocks; the queue must not be full.
        /// </summary>
        public void Add(object? target, Func<CancellationToken, Task<object?>> start)
        {
            var entry = new Entry(target, start);
            lock (_gate)
            {
                if (_count == _queue.Length) throw new InvalidOperationException("The window is full: wait for room first.");
                entry.Sequence = _added++;
                _queue[(_head + _count) % _queue.Length] = entry;
                _count++;
                if (_stopped) Cancel(entry);
            }
            Run(null);
        }

        /// <summary>Takes the item at the head if it has finished: its target and its finished task.</summary>
        public bool TryTake(out object? target, out Task<object?> task)
        {
            lock (_gate)
            {
                if (_finished == 0)
                {
                    target = null;
                    task = null!;
                    return false;
                }
                Entry head = _queue[_head]!;
                _queue[_head] = null;
                _head = (_head + 1) % _queue.Length;
                _count--;
                _started--;
                _finished--;
                _taken++;
                target = head.Target;
                task = head.Task!;
                return true;
            }
        }

        /// <summary>
        /// Sleeps while the queue is full, until the first result is in (before any was taken) or half the waiting
        /// room has finished. False when a tick came first (call again); throws OperationCanceledException when cancelled.
        /// </summary>
        public bool WaitForRoom()
        {
            lock (_gate)
            {
                if (_count < _queue.Length) return true;
                return SleepUntil(_taken == 0 ? 1 : _wakeBatch);
            }
        }

        /// <summary>Sleeps until the item at the head has finished (true at once when the queue is empty); see <see cref="WaitForRoom"/>.</summary>
        public bool WaitForHead()
        {
            lock (_gate) return SleepUntil(1);
        }

        /// <summary>Makes a current or the next wait return false, once (what the tick timer calls).</summary>
        public void Tick()
        {
            lock (_gate)
            {
                _tick = true;
                if (_waitingFor > 0) Monitor.Pulse(_gate);
            }
        }

        /// <summary>Starts nothing more: the items still waiting finish as cancelled; requests in flight finish on their own.</summary>
        public void Stop()
        {
            lock (_gate)
            {
                if (_stopped) return;
                _stopped = true;
                while (_started < _count) Cancel(_queue[(_head + _started) % _queue.Length]!);
                if (_waitingFor > 0) Monitor.Pulse(_gate);
            }
        }

        public void Dispose()
        {
            Stop();
            _ticks?.Dispose();
            _wakeOnCancel.Dispose();
        }

        /// <summary>
        /// Stops the calling thread's execution context from flowing into work started until the result is disposed.
        /// PowerShell's pipeline thread carries its culture as async-locals with change notifications, so every await
        /// of a request started under it would set the culture of the thread it resumes on, and set it back. Requests
        /// need nothing from that context (the engine's JSON and messages are culture-invariant).
        /// </summary>
        internal static AsyncFlowControl? SuppressContextFlow() =>
            ExecutionContext.IsFlowSuppressed() ? (AsyncFlowControl?)null : ExecutionContext.SuppressFlow();

        /// <summary>Under _gate: waits until the first <paramref name="count"/> items (or all there are) have finished.</summary>
        private bool SleepUntil(int count)
        {
            while (_finished < Math.Min(count, _count))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (_tick)
                {
                    _tick = false;
                    return false;
                }
                _waitingFor = count;
                try
                {
                    Monitor.Wait(_gate);
                }
                finally
                {
                    _waitingFor = 0;
                }
            }
            return true;
        }

        /// <summary>
        /// Marks <paramref name="done"/> finished (when given) and starts waiting items while a slot is free. Runs on the
        /// adding thread and on each thread that sees a request finish; wakes the sleeping caller last.
        /// </summary>
        private void Run(Entry? done)
        {
            bool wake = false;
            using AsyncFlowControl? noContext = SuppressContextFlow();
            while (true)
            {
                Entry next;
                lock (_gate)
                {
                    if (done != null)
                    {
                        _inFlight--;
                        wake |= Finish(done);
                        done = null;
                    }
                    if (_stopped || _inFlight >= _limit || _started == _count || _cancellationToken.IsCancellationRequested) break;
                    next = _queue[(_head + _started) % _queue.Length]!;
                    _started++;
                    _inFlight++;
                }
                Task<object?> task;
                try
                {
                    task = next.Start(_cancellationToken) ?? Task.FromResult<object?>(null);
                }
                catch (Exception e)
                {
                    task = Task.FromException<object?>(e);
                }
                next.Task = task;
                if (task.IsCompleted)
                {
                    done = next;
                    continue;
                }
                task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Run(next));
            }
            if (wake) Wake();
        }

        /// <summary>Under _gate: marks a started item finished; true when that completes what the caller sleeps for.</summary>
        private bool Finish(Entry entry)
        {
            entry.Finished = true;
            if (entry.Sequence - _taken != _finished) return false;
            while (_finished < _started && _queue[(_head + _finished) % _queue.Length]!.Finished) _finished++;
            return _waitingFor > 0 && _finished >= Math.Min(_waitingFor, _count);
        }

        /// <summary>
        /// Under _gate: the first waiting item, which will never start, finishes as cancelled where it stands (counted
        /// as started so that it leaves the waiting tail; it never held a slot).
        /// </summary>
        private void Cancel(Entry entry)
        {
            entry.Task = Task.FromCanceled<object?>(new CancellationToken(true));
            _started++;
            Finish(entry);
        }

        private void Wake()
        {
            lock (_gate) Monitor.Pulse(_gate);
        }

        private sealed class Entry
        {
            public Entry(object? target, Func<CancellationToken, Task<object?>> start)
            {
                Target = target;
                Start = start;
            }

            public object? Target { get; }
            public Func<CancellationToken, Task<object?>> Start { get; }
            public long Sequence;
            public Task<object?>? Task;
            public bool Finished;
        }
    }
}
