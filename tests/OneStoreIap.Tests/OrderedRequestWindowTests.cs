using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Tests
{
    /// <summary>
    /// The per-item cmdlets' window, driven by fake requests (each one a TaskCompletionSource the test completes) and a
    /// fake clock (the window's tick is called by the test, never by a timer).
    /// </summary>
    public sealed class OrderedRequestWindowTests
    {
        // A guard against a hang, never a measure: every wait below ends at once when the window works.
        private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

        /// <summary>Whether <paramref name="task"/> finishes before <see cref="Hang"/> (a bound, never a guess at how long it takes).</summary>
        private static async Task<bool> Finishes(Task task) => await Task.WhenAny(task, Task.Delay(Hang)) == task;

        /// <summary>Fake requests: each start is recorded, and finishes when the test says.</summary>
        private sealed class FakeRequests
        {
            private readonly object _gate = new object();
            private int _inFlight;

            public List<string> Started { get; } = new List<string>();
            public Dictionary<string, TaskCompletionSource<object?>> Pending { get; } = new Dictionary<string, TaskCompletionSource<object?>>();
            public int PeakInFlight { get; private set; }
            public CancellationToken LastToken { get; private set; }

            public Func<CancellationToken, Task<object?>> For(string name) => token =>
            {
                var done = new TaskCompletionSource<object?>();
                lock (_gate)
                {
                    Started.Add(name);
                    Pending[name] = done;
                    _inFlight++;
                    PeakInFlight = Math.Max(PeakInFlight, _inFlight);
                    LastToken = token;
                }
                return done.Task.ContinueWith(t =>
                {
                    lock (_gate) _inFlight--;
                    return t;
                }, TaskContinuationOptions.ExecuteSynchronously).Unwrap();
            };

            public void Succeed(string name) => Complete(() => Pending[name].SetResult("result of " + name));

            public void Fail(string name, Exception e) => Complete(() => Pending[name].SetException(e));

            // Completes a request as the socket thread would: without xunit's synchronization context, which would
            // make the window's continuation run later on another thread instead of inline.
            private static void Complete(Action complete)
            {
                SynchronizationContext? saved = SynchronizationContext.Current;
                SynchronizationContext.SetSynchronizationContext(null);
                try
                {
                    complete();
                }
                finally
                {
                    SynchronizationContext.SetSynchronizationContext(saved);
                }
            }
        }

        private static OrderedRequestWindow NewWindow(int limit, int waitingRoom, CancellationToken token = default) =>
            new OrderedRequestWindow(limit, waitingRoom, token, Timeout.InfiniteTimeSpan);

        private static List<(object? Target, Task<object?> Task)> TakeAll(OrderedRequestWindow window)
        {
            var taken = new List<(object?, Task<object?>)>();
            while (window.TryTake(out object? target, out Task<object?> task)) taken.Add((target, task));
            return taken;
        }

        [Fact]
        public async Task Results_come_out_in_input_order_whatever_order_the_requests_finish_in()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 4, waitingRoom: 0);
            foreach (string name in new[] { "a", "b", "c", "d" }) window.Add(name, requests.For(name));

            requests.Succeed("d");
            requests.Succeed("b");
            Assert.Empty(TakeAll(window)); // the head (a) is still in flight
            requests.Succeed("a");
            Assert.Equal(new object?[] { "a", "b" }, TakeAll(window).Select(t => t.Target));
            requests.Succeed("c");
            List<(object? Target, Task<object?> Task)> rest = TakeAll(window);
            Assert.Equal(new object?[] { "c", "d" }, rest.Select(t => t.Target));
            Assert.Equal("result of d", await rest[1].Task);
            Assert.Equal(0, window.Count);
        }

        [Fact]
        public void Never_more_than_the_limit_in_flight_and_waiting_items_start_as_slots_free()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 2, waitingRoom: 3);
            foreach (string name in new[] { "a", "b", "c", "d", "e" }) window.Add(name, requests.For(name));

            Assert.True(window.IsFull);
            Assert.Equal(new[] { "a", "b" }, requests.Started);
            Assert.Throws<InvalidOperationException>(() => window.Add("f", requests.For("f")));

            requests.Succeed("b"); // a finished request starts the next waiting item itself, in input order
            Assert.Equal(new[] { "a", "b", "c" }, requests.Started);
            requests.Succeed("c");
            requests.Succeed("a");
            Assert.Equal(new[] { "a", "b", "c", "d", "e" }, requests.Started);
            Assert.Equal(3, TakeAll(window).Count);
            requests.Succeed("e");
            requests.Succeed("d");
            Assert.Equal(2, TakeAll(window).Count);
            Assert.Equal(2, requests.PeakInFlight);
        }

        [Fact]
        public void A_limit_of_one_runs_strictly_one_request_at_a_time()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 1, waitingRoom: 16);
            for (int i = 0; i < 10; i++) window.Add(i, requests.For("r" + i));
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(i + 1, requests.Started.Count);
                requests.Succeed("r" + i);
            }
            Assert.Equal(Enumerable.Range(0, 10).Cast<object?>(), TakeAll(window).Select(t => t.Target));
            Assert.Equal(1, requests.PeakInFlight);
        }

        [Fact]
        public async Task A_failure_stays_with_its_own_item()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 3, waitingRoom: 3);
            window.Add("good1", requests.For("good1"));
            window.Add("bad", requests.For("bad"));
            window.Add("good2", requests.For("good2"));
            window.Add("thrown", _ => throw new ArgumentException("refused before any request"));
            window.Add("good3", _ => Task.FromResult<object?>("at once"));

            requests.Succeed("good2");
            requests.Fail("bad", new TimeoutException("no reply"));
            requests.Succeed("good1");
            List<(object? Target, Task<object?> Task)> taken = TakeAll(window);

            Assert.Equal(new object?[] { "good1", "bad", "good2", "thrown", "good3" }, taken.Select(t => t.Target));
            Assert.Equal(TaskStatus.RanToCompletion, taken[0].Task.Status);
            Assert.IsType<TimeoutException>(taken[1].Task.Exception!.GetBaseException());
            Assert.Equal(TaskStatus.RanToCompletion, taken[2].Task.Status);
            Assert.IsType<ArgumentException>(taken[3].Task.Exception!.GetBaseException());
            Assert.Equal("at once", await taken[4].Task);
        }

        [Fact]
        public void After_Stop_no_request_starts_and_the_waiting_items_finish_cancelled()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 2, waitingRoom: 4);
            foreach (string name in new[] { "a", "b", "c", "d" }) window.Add(name, requests.For(name));

            window.Stop();
            requests.Succeed("a"); // a slot frees: before Stop it would have started c
            requests.Succeed("b");
            window.Add("e", requests.For("e"));

            Assert.Equal(new[] { "a", "b" }, requests.Started);
            List<(object? Target, Task<object?> Task)> taken = TakeAll(window);
            Assert.Equal(new object?[] { "a", "b", "c", "d", "e" }, taken.Select(t => t.Target));
            Assert.All(taken.Skip(2), t => Assert.True(t.Task.IsCanceled));
            Assert.True(window.WaitForHead()); // nothing left to wait for: no hang
        }

        [Fact]
        public void Cancellation_reaches_the_requests_ends_a_wait_and_starts_nothing_more()
        {
            var requests = new FakeRequests();
            using var cancellation = new CancellationTokenSource();
            using OrderedRequestWindow window = NewWindow(limit: 1, waitingRoom: 1, cancellation.Token);
            window.Add("a", requests.For("a"));
            window.Add("b", requests.For("b"));
            Assert.Equal(cancellation.Token, requests.LastToken);

            Task<bool> wait = Task.Run(window.WaitForRoom);
            cancellation.Cancel();

            var thrown = Assert.Throws<AggregateException>(() => wait.Wait(Hang));
            Assert.IsAssignableFrom<OperationCanceledException>(thrown.InnerException);
            requests.Succeed("a");
            Assert.Equal(new[] { "a" }, requests.Started);
        }

        [Fact]
        public async Task The_first_result_wakes_the_waiting_caller_at_once()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 2, waitingRoom: 8);
            for (int i = 0; i < 10; i++) window.Add(i, requests.For("r" + i));
            Task<bool> wait = Task.Run(window.WaitForRoom);

            requests.Succeed("r0");

            Assert.True(await Finishes(wait), "the wait did not end when the first result was in");
            Assert.True(await wait);
            Assert.Equal(new object?[] { 0 }, TakeAll(window).Select(t => t.Target));
        }

        [Fact]
        public async Task Once_results_flow_a_full_window_wakes_the_caller_once_per_half_waiting_room()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 8, waitingRoom: 8);
            for (int i = 0; i < 16; i++) window.Add(i, requests.For("r" + i));
            requests.Succeed("r0");
            Assert.Single(TakeAll(window));
            window.Add(16, requests.For("r16"));
            Assert.True(window.IsFull);

            // Three of the four replies the wait needs: a tick of the fake clock finds it still asleep.
            Task<bool> wait = Task.Run(window.WaitForRoom);
            for (int i = 1; i <= 3; i++) requests.Succeed("r" + i);
            window.Tick();
            Assert.True(await Finishes(wait));
            Assert.False(await wait, "the caller woke before half of the waiting room had finished");

            wait = Task.Run(window.WaitForRoom);
            requests.Succeed("r4");
            Assert.True(await Finishes(wait));
            Assert.True(await wait);
            Assert.Equal(new object?[] { 1, 2, 3, 4 }, TakeAll(window).Select(t => t.Target));
        }

        [Fact]
        public async Task A_tick_of_the_clock_lets_a_long_wait_return_for_other_work_and_the_wait_goes_on()
        {
            var requests = new FakeRequests();
            using OrderedRequestWindow window = NewWindow(limit: 1, waitingRoom: 0);
            window.Add("slow", requests.For("slow"));

            Task<bool> wait = Task.Run(window.WaitForHead);
            window.Tick();
            Assert.True(await Finishes(wait));
            Assert.False(await wait);
            Assert.Equal(1, window.Count);

            wait = Task.Run(window.WaitForHead);
            requests.Succeed("slow");
            Assert.True(await Finishes(wait));
            Assert.True(await wait);
            Assert.Single(TakeAll(window));
        }

        [Fact]
        public async Task Requests_run_without_the_callers_execution_context()
        {
            var local = new AsyncLocal<string?> { Value = "the pipeline thread's culture" };
            using OrderedRequestWindow window = NewWindow(limit: 1, waitingRoom: 0);

            window.Add("a", async _ =>
            {
                await Task.Yield();
                return local.Value ?? "no context";
            });

            Assert.True(window.WaitForHead()); // no tick: true once the head has finished
            Assert.True(window.TryTake(out _, out Task<object?> task));
            Assert.Equal("no context", await task);
        }
    }
}
