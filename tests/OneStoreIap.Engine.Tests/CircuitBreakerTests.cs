using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>The connection's circuit breaker: a run of transient failures holds requests back; it recovers by itself.</summary>
    public class CircuitBreakerTests
    {
        private static OneStoreClient Create(TestHandler handler, FakeTimeProvider time, int breakAfter = 5) =>
            new OneStoreClient(new OneStoreClientOptions(new Uri("https://iap.test"), "com.app", TestClient.Secure(TestClient.Secret))
            {
                Handler = handler,
                TokenCache = new TokenCache(),
                TimeProvider = time,
                MaxRetryCount = 0,
                BreakAfterFailures = breakAfter,
                BreakDuration = TimeSpan.FromSeconds(30),
            });

        [Fact]
        public async Task ARunOfFailuresHoldsRequestsBackThenOneTrialRecovers()
        {
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            bool down = true;
            var handler = new TestHandler { Api = _ => Task.FromResult(down ? TestHandler.Error(503, "ServiceMaintenance") : TestHandler.Json(200, TestHandler.Purchase)) };
            using OneStoreClient client = Create(handler, time);
            for (int i = 0; i < 5; i++)
            {
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("gem", "token-" + i));
                Assert.Equal("ServiceMaintenance", e.Code);
            }
            Assert.True(client.CircuitOpenCount == 1, "opened " + client.CircuitOpenCount + " requests " + handler.ApiRequests.Length + " tokens " + handler.TokenRequests);
            for (int i = 0; i < 20; i++)
            {
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("gem", "held-" + i));
                Assert.Equal(OneStoreErrorCodes.CircuitOpen, e.Code);
                Assert.False(e.MayHaveBeenApplied);
                Assert.Contains("Not sent", e.Message);
            }
            Assert.Equal(5, handler.ApiRequests.Length);
            Assert.Equal(1, client.CircuitOpenCount);

            down = false;
            time.Advance(TimeSpan.FromSeconds(31));
            Assert.NotNull(await client.GetInAppPurchaseAsync("gem", "after"));
            Assert.NotNull(await client.GetInAppPurchaseAsync("gem", "after-2"));
            Assert.Equal(7, handler.ApiRequests.Length);
        }

        [Fact]
        public async Task NonTransientErrorsAndZeroNeverOpenIt()
        {
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(404, "NoSuchData")) };
            using (OneStoreClient client = Create(handler, time, breakAfter: 2))
            {
                for (int i = 0; i < 10; i++)
                    Assert.Equal("NoSuchData", (await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("gem", "t" + i))).Code);
            }
            var down = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(503, "ServiceMaintenance")) };
            using (OneStoreClient client = Create(down, time, breakAfter: 0))
            {
                for (int i = 0; i < 10; i++)
                    Assert.Equal("ServiceMaintenance", (await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("gem", "t" + i))).Code);
                Assert.Equal(10, down.ApiRequests.Length);
            }
        }
    }
}
