using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    public class TokenTests
    {
        [Fact]
        public async Task ManyConcurrentCallersMakeOneTokenRequest()
        {
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var asked = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var handler = new TestHandler();
            handler.Token = async _ =>
            {
                asked.TrySetResult(true);
                await release.Task;
                return TestHandler.Json(200, "{\"access_token\":\"shared-token\",\"expires_in\":3600}");
            };
            using var client = TestClient.Create(handler);

            // Each call reaches the token cache before its first await, so all 50 wait on the token request once it
            // is in the handler; it is held there until then, whatever the machine's speed.
            Task[] calls = Enumerable.Range(0, 50).Select(i => (Task)client.GetInAppPurchaseAsync("p", "T" + i)).ToArray();
            Assert.True(await Task.WhenAny(asked.Task, Task.Delay(TimeSpan.FromSeconds(30))) == asked.Task, "no token request was made");
            Assert.All(calls, c => Assert.False(c.IsCompleted));
            release.SetResult(true);
            await Task.WhenAll(calls);

            Assert.Equal(1, handler.TokenRequests);
            Assert.Equal(50, handler.ApiRequests.Length);
            Assert.All(handler.ApiRequests, r => Assert.Equal("Bearer shared-token", r.Header("Authorization")));
        }

        [Fact]
        public async Task ConnectionsToTheSameAppShareTheProcessCache()
        {
            var handler = new TestHandler();
            var cache = new TokenCache();
            OneStoreClient Make(string market) => new(new OneStoreClientOptions(new Uri("https://iap.test"), "com.app", TestClient.Secure("s"), market)
            {
                Handler = handler, TokenCache = cache,
            });
            using var a = Make("MKT_ONE");
            using var b = Make("MKT_ONE");
            using var global = Make("MKT_GLB");

            await a.GetInAppPurchaseAsync("p", "T");
            await b.GetInAppPurchaseAsync("p", "T");
            Assert.Equal(1, handler.TokenRequests);

            // Another market is another token (the market header is part of the token request).
            await global.GetInAppPurchaseAsync("p", "T");
            Assert.Equal(2, handler.TokenRequests);
        }

        [Theory]
        [InlineData(3600, 600)]
        [InlineData(1200, 300)]
        [InlineData(60, 15)]
        [InlineData(4, 1)]
        public void RenewalMarginIsTheSpecs600SecondsScaledDownForShortLifetimes(int lifetime, int margin) =>
            Assert.Equal(TimeSpan.FromSeconds(margin), OneStoreClient.RenewalMargin(TimeSpan.FromSeconds(lifetime)));

        [Fact]
        public async Task TokenIsRenewedOnlyWhenLessThanTheMarginRemains()
        {
            var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
            var handler = new TestHandler { ExpiresIn = 3600 };
            using var client = TestClient.Create(handler, time: time);

            await client.GetInAppPurchaseAsync("p", "T");
            time.Advance(TimeSpan.FromSeconds(2999));
            await client.GetInAppPurchaseAsync("p", "T");
            Assert.Equal(1, handler.TokenRequests);
            Assert.Equal("Bearer token-0001", handler.ApiRequests.Last().Header("Authorization"));

            time.Advance(TimeSpan.FromSeconds(2));
            await client.GetInAppPurchaseAsync("p", "T");
            Assert.Equal(2, handler.TokenRequests);
            Assert.Equal("Bearer token-0002", handler.ApiRequests.Last().Header("Authorization"));
            Assert.Equal(DateTimeOffset.Parse("2025-01-01T00:00:00Z").AddSeconds(3001 + 3600), client.TokenExpiresOn);
        }

        [Fact]
        public async Task ShortLivedTokensAreUsedForMostOfTheirLife()
        {
            var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
            var handler = new TestHandler { ExpiresIn = 60 };
            using var client = TestClient.Create(handler, time: time);

            for (int i = 0; i < 40; i++)
            {
                await client.GetInAppPurchaseAsync("p", "T");
                time.Advance(TimeSpan.FromSeconds(1));
            }

            Assert.Equal(1, handler.TokenRequests);
        }

        [Theory]
        [InlineData("AccessTokenExpired")]
        [InlineData("InvalidAccessToken")]
        public async Task AnExpiredOrInvalidTokenIsRenewedOnceAndTheCallRetriedOnce(string code)
        {
            var handler = new TestHandler();
            handler.Api = r => Task.FromResult(r.Header("Authorization") == "Bearer token-0001"
                ? TestHandler.Error(401, code)
                : TestHandler.Json(200, "{\"purchaseState\":0}"));
            using var client = TestClient.Create(handler);

            InAppPurchaseDetails d = await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal(0, d.PurchaseState);
            Assert.Equal(2, handler.TokenRequests);
            Assert.Equal(new[] { "Bearer token-0001", "Bearer token-0002" }, handler.ApiRequests.Select(r => r.Header("Authorization")));
        }

        [Fact]
        public async Task ATokenRefusedTwiceIsAnErrorAfterExactlyOneRetry()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(401, "InvalidAccessToken")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal("InvalidAccessToken", e.Code);
            Assert.Equal(2, handler.ApiRequests.Length);
            Assert.Equal(2, handler.TokenRequests);
        }

        [Fact]
        public async Task OtherAuthErrorsAreNotRetried()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(403, "UnauthorizedAccess")) };
            using var client = TestClient.Create(handler);

            await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Single(handler.ApiRequests);
            Assert.Equal(1, handler.TokenRequests);
        }

        [Fact]
        public async Task ConnectFailsWithTheTokenEndpointsError()
        {
            var handler = new TestHandler { Token = _ => Task.FromResult(TestHandler.Error(401, "UnauthorizedAccess", "bad client")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConnectAsync());

            Assert.Equal("UnauthorizedAccess", e.Code);
            Assert.Null(client.TokenExpiresOn);
        }

        [Fact]
        public async Task ATokenReplyWithoutATokenIsAProtocolError()
        {
            var handler = new TestHandler { Token = _ => Task.FromResult(TestHandler.Json(200, "{\"token_type\":\"bearer\"}")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConnectAsync());

            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
        }

        [Fact]
        public async Task NeitherSecretNorTokenAppearsInErrorsLogsOrToString()
        {
            var logs = new System.Collections.Concurrent.ConcurrentBag<string>();
            var handler = new TestHandler
            {
                Api = r => Task.FromResult(TestHandler.Raw(404, "<html>" + r.Header("Authorization") + "</html>", "text/html")),
            };
            using var client = TestClient.Create(handler, maxRetries: 0);

            AccessTokenInfo token = await client.ConnectAsync(l => logs.Add(l.ToString()));
            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T", l => logs.Add(l.ToString())));

            // The reply echoed the Authorization header: an excerpt of it may show, but never the secret.
            string all = string.Join("\n", logs) + e.Message + e.ToString() + token.ToString() + client.ToString();
            Assert.DoesNotContain(TestClient.Secret, all);
            Assert.DoesNotContain(Uri.EscapeDataString(TestClient.Secret), all);
            Assert.DoesNotContain("token-0001", string.Join("\n", logs) + token.ToString());
            Assert.Equal(2, logs.Count);
            Assert.Contains("POST /v7/oauth/token -> 200", logs.First(l => l.Contains("oauth")));
        }

        [Fact]
        public void AccessTokenInfoKeepsItsValueOffThePublicSurface()
        {
            Assert.Null(typeof(AccessTokenInfo).GetProperty("Value"));
            Assert.DoesNotContain(typeof(OneStoreClientOptions).GetProperties(), p => p.PropertyType == typeof(string) && p.Name.Contains("Secret"));
        }
    }
}
