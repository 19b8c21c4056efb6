using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>
    /// The retry pipeline's waits, on a fake clock: each wait is a timer on the connection's TimeProvider, so the test
    /// sees how long the engine asked to wait and decides when that time has passed. Nothing here waits for real.
    /// </summary>
    public class RetryPipelineTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

        /// <summary>A fake clock that reports every timer the code under test starts.</summary>
        private sealed class WatchedClock : FakeTimeProvider
        {
            private readonly SemaphoreSlim _started = new(0);
            public ConcurrentQueue<TimeSpan> Waits { get; } = new();

            public WatchedClock() : base(DateTimeOffset.Parse("2025-01-01T00:00:00Z")) { }

            public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            {
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    Waits.Enqueue(dueTime);
                    _started.Release();
                }
                return base.CreateTimer(callback, state, dueTime, period);
            }

            /// <summary>The next wait the code starts (up to a generous real-time bound, so a bug fails rather than hangs).</summary>
            public async Task<TimeSpan> NextWaitAsync()
            {
                Assert.True(await _started.WaitAsync(Patience), "The engine started no wait.");
                Assert.True(Waits.TryDequeue(out TimeSpan wait));
                return wait;
            }
        }

        private static OneStoreClient Create(TestHandler handler, WatchedClock clock, int retries, TimeSpan baseDelay, TimeSpan maxDelay) =>
            new(new OneStoreClientOptions(new Uri("https://iap.test"), "com.app", TestClient.Secure(TestClient.Secret))
            {
                Handler = handler,
                TokenCache = new TokenCache(),
                TimeProvider = clock,
                MaxRetryCount = retries,
                RetryBaseDelay = baseDelay,
                RetryMaxDelay = maxDelay,
            });

        private static HttpResponseMessage Maintenance(int? retryAfterSeconds = null)
        {
            HttpResponseMessage response = TestHandler.Error(503, "ServiceMaintenance");
            if (retryAfterSeconds is int s) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(s));
            return response;
        }

        [Fact]
        public async Task EachRetryWaitsOnTheClockAndNoRequestGoesOutBeforeTheWaitIsOver()
        {
            var clock = new WatchedClock();
            int calls = 0;
            var handler = new TestHandler { Api = _ => Task.FromResult(Interlocked.Increment(ref calls) <= 2 ? Maintenance() : TestHandler.Json(200, TestHandler.Success)) };
            using var client = Create(handler, clock, retries: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

            Task<OperationReply> call = client.ConsumeAsync("p", "T", null);
            for (int retry = 1; retry <= 2; retry++)
            {
                TimeSpan wait = await clock.NextWaitAsync();
                Assert.InRange(wait, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(30));
                Assert.Equal(retry, handler.ApiRequests.Length);  // nothing sent while the wait runs
                Assert.False(call.IsCompleted);
                clock.Advance(wait);
            }

            OperationReply reply = await call.WaitAsync(Patience);
            Assert.Equal("Success", reply.Code);
            Assert.Equal(3, handler.ApiRequests.Length);
            Assert.Equal(2, client.RetryCount);
        }

        [Fact]
        public async Task WaitsGrowExponentiallyWithJitterAndStayUnderTheCap()
        {
            var first = new System.Collections.Generic.List<double>();
            var third = new System.Collections.Generic.List<double>();
            for (int run = 0; run < 60; run++)
            {
                var clock = new WatchedClock();
                var handler = new TestHandler { Api = _ => Task.FromResult(Maintenance()) };
                using var client = Create(handler, clock, retries: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));

                Task call = client.GetInAppPurchaseAsync("p", "T");
                var waits = new TimeSpan[3];
                for (int i = 0; i < 3; i++)
                {
                    waits[i] = await clock.NextWaitAsync();
                    Assert.InRange(waits[i], TimeSpan.FromTicks(1), TimeSpan.FromSeconds(20));
                    clock.Advance(waits[i]);
                }
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => call.WaitAsync(Patience));
                Assert.Equal("ServiceMaintenance", e.Code);
                Assert.Equal(4, handler.ApiRequests.Length);
                first.Add(waits[0].TotalMilliseconds);
                third.Add(waits[2].TotalMilliseconds);
            }

            Assert.True(first.Distinct().Count() > 1, "The first waits are all the same: no jitter.");
            // Base x 2^n: the third wait is about four times the first on average. Decorrelated jitter spreads single
            // samples widely, so compare averages over many runs with a margin that a constant backoff (ratio 1) misses.
            Assert.True(third.Average() > 1.5 * first.Average(), $"No exponential growth: first {first.Average():0} ms, third {third.Average():0} ms.");
        }

        [Fact]
        public async Task RetryAfterIsHonouredExactly()
        {
            var clock = new WatchedClock();
            int calls = 0;
            var handler = new TestHandler { Api = _ => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? Maintenance(retryAfterSeconds: 7) : TestHandler.Json(200, TestHandler.Success)) };
            using var client = Create(handler, clock, retries: 3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

            Task<OperationReply> call = client.ConsumeAsync("p", "T", null);
            Assert.Equal(TimeSpan.FromSeconds(7), await clock.NextWaitAsync());
            clock.Advance(TimeSpan.FromSeconds(6.9));
            Assert.Single(handler.ApiRequests);
            clock.Advance(TimeSpan.FromSeconds(0.1));

            Assert.Equal("Success", (await call.WaitAsync(Patience)).Code);
            Assert.Equal(2, handler.ApiRequests.Length);
        }

        [Fact]
        public async Task RetryAfterIsCappedByTheLongestWait()
        {
            var clock = new WatchedClock();
            int calls = 0;
            var handler = new TestHandler { Api = _ => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? Maintenance(retryAfterSeconds: 3600) : TestHandler.Json(200, TestHandler.Success)) };
            using var client = Create(handler, clock, retries: 3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

            Task<OperationReply> call = client.ConsumeAsync("p", "T", null);
            Assert.Equal(TimeSpan.FromSeconds(2), await clock.NextWaitAsync());
            clock.Advance(TimeSpan.FromSeconds(2));

            Assert.Equal("Success", (await call.WaitAsync(Patience)).Code);
        }

        [Fact]
        public async Task AWaitingRetryIsCancelledAtOnce()
        {
            var clock = new WatchedClock();
            var handler = new TestHandler { Api = _ => Task.FromResult(Maintenance(retryAfterSeconds: 30)) };
            using var client = Create(handler, clock, retries: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            using var cancel = new CancellationTokenSource();

            Task call = client.GetInAppPurchaseAsync("p", "T", cancellationToken: cancel.Token);
            await clock.NextWaitAsync();
            cancel.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Patience));
            Assert.Single(handler.ApiRequests);
        }

        [Theory]
        [InlineData(400, "InvalidRequest")]
        [InlineData(401, "UnauthorizedAccess")]
        [InlineData(404, "NoSuchData")]
        [InlineData(409, "InvalidConsumeState")]
        public async Task AFinalAnswerStartsNoWait(int status, string code)
        {
            var clock = new WatchedClock();
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(status, code)) };
            using var client = Create(handler, clock, retries: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));

            Assert.Equal(code, e.Code);
            Assert.Single(handler.ApiRequests);
            Assert.Empty(clock.Waits);
        }
    }
}
