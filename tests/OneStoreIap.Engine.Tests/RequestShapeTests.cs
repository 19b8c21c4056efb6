using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    public class RequestShapeTests
    {
        [Fact]
        public async Task TokenRequestIsFormEncodedWithTheMarketHeader()
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler, OneStoreMarket.Global);

            AccessTokenInfo token = await client.ConnectAsync();

            SeenRequest request = Assert.Single(handler.Requests);
            Assert.Equal("POST", request.Method);
            Assert.Equal("https://iap.test/v7/oauth/token", request.Uri.AbsoluteUri);
            Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
            Assert.Equal("MKT_GLB", request.Header("x-market-code"));
            Assert.Equal("", request.Header("Authorization"));
            // grant_type first, as the spec's example; every value form-encoded ('/' and '=' of the secret included).
            Assert.Equal("grant_type=client_credentials&client_id=com.app&client_secret=vxIMAGcVz3DAx20uDBr%2FIDWNJAPNHFl7YruF4uxB6BI%3D", request.Body);
            var form = request.Body.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => WebUtility.UrlDecode(p[1]));
            Assert.Equal(TestClient.Secret, form["client_secret"]);
            Assert.Equal("token-0001", token.Value);
        }

        [Fact]
        public void FormEncodingFollowsTheFormRules()
        {
            var buffer = new System.Collections.Generic.List<byte>();
            OneStoreClient.AppendFormEncoded(buffer, "a b+c&d=é~_.-".ToCharArray());
            Assert.Equal("a+b%2Bc%26d%3D%C3%A9~_.-", System.Text.Encoding.ASCII.GetString(buffer.ToArray()));
        }

        [Fact]
        public async Task ApiRequestsCarryBearerTokenJsonContentTypeAndMarket()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, "{\"purchaseState\":0}")) };
            using var client = TestClient.Create(handler, OneStoreMarket.Global);

            await client.GetInAppPurchaseAsync("p1", "T1");

            SeenRequest request = Assert.Single(handler.ApiRequests);
            Assert.Equal("GET", request.Method);
            Assert.Equal("Bearer token-0001", request.Header("Authorization"));
            Assert.Equal("application/json", request.ContentType);
            Assert.Equal("MKT_GLB", request.Header("x-market-code"));
            Assert.Equal("", request.Body);
        }

        public static TheoryData<string, string, string, string> Routes => new()
        {
            // operation, expected method, expected path, expected body
            { "inapp", "GET", "/v7/apps/com.app/purchases/inapp/products/p1/T1", "" },
            { "auto", "GET", "/v7/apps/com.app/purchases/auto/products/p1/T1", "" },
            { "subscription", "GET", "/v7/apps/com.app/purchases/subscription/products/p1/T1", "" },
            { "acknowledge", "POST", "/v7/apps/com.app/purchases/all/products/p1/T1/acknowledge", "{}" },
            { "acknowledge-payload", "POST", "/v7/apps/com.app/purchases/all/products/p1/T1/acknowledge", "{\"developerPayload\":\"your payload\"}" },
            { "consume", "POST", "/v7/apps/com.app/purchases/inapp/products/p1/T1/consume", "{}" },
            { "consume-payload", "POST", "/v7/apps/com.app/purchases/inapp/products/p1/T1/consume", "{\"developerPayload\":\"your payload\"}" },
            { "cancel-auto", "POST", "/v7/apps/com.app/purchases/auto/products/p1/T1/cancel", "{}" },
            { "reactivate-auto", "POST", "/v7/apps/com.app/purchases/auto/products/p1/T1/reactivate", "{}" },
            { "cancel-subscription", "POST", "/v7/apps/com.app/purchases/subscription/products/p1/T1/cancel", "{}" },
            { "reactivate-subscription", "POST", "/v7/apps/com.app/purchases/subscription/products/p1/T1/reactivate", "{}" },
            { "defer", "POST", "/v7/apps/com.app/purchases/subscription/products/p1/T1/defer", "{\"deferPeriod\":3}" },
        };

        [Theory]
        [MemberData(nameof(Routes))]
        public async Task EachOperationHitsTheSpecsRouteWithItsBody(string operation, string method, string path, string body)
        {
            var handler = new TestHandler
            {
                Api = r => Task.FromResult(r.Method == "GET" ? TestHandler.Json(200, TestHandler.Purchase) : TestHandler.Json(200, TestHandler.Success)),
            };
            using var client = TestClient.Create(handler);

            switch (operation)
            {
                case "inapp": await client.GetInAppPurchaseAsync("p1", "T1"); break;
                case "auto": await client.GetRecurringPurchaseAsync("p1", "T1"); break;
                case "subscription": await client.GetSubscriptionAsync("p1", "T1"); break;
                case "acknowledge": await client.AcknowledgeAsync("p1", "T1", null); break;
                case "acknowledge-payload": await client.AcknowledgeAsync("p1", "T1", "your payload"); break;
                case "consume": await client.ConsumeAsync("p1", "T1", null); break;
                case "consume-payload": await client.ConsumeAsync("p1", "T1", "your payload"); break;
                case "cancel-auto": await client.CancelAsync(ProductKind.Auto, "p1", "T1"); break;
                case "reactivate-auto": await client.ReactivateAsync(ProductKind.Auto, "p1", "T1"); break;
                case "cancel-subscription": await client.CancelAsync(ProductKind.Subscription, "p1", "T1"); break;
                case "reactivate-subscription": await client.ReactivateAsync(ProductKind.Subscription, "p1", "T1"); break;
                case "defer": await client.DeferSubscriptionAsync("p1", "T1", 3); break;
                default: throw new ArgumentException(operation);
            }

            SeenRequest request = Assert.Single(handler.ApiRequests);
            Assert.Equal(method, request.Method);
            Assert.Equal(path, request.Uri.AbsolutePath);
            Assert.Equal(body, request.Body);
            Assert.Equal("application/json", request.ContentType);
            Assert.Equal("Bearer token-0001", request.Header("Authorization"));
            Assert.Equal("MKT_ONE", request.Header("x-market-code"));
        }

        [Theory]
        [InlineData("다이아100_20170818000000")]
        [InlineData("gem 100")]
        [InlineData("a?b#c%d")]
        [InlineData("%2F")]
        [InlineData("a\\b")]
        [InlineData("😀gem")]
        [InlineData("a+b=c")]
        public async Task PathValuesArePercentEncodedUtf8Segments(string productId)
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, TestHandler.Purchase)) };
            using var client = TestClient.Create(handler);

            await client.GetInAppPurchaseAsync(productId, "T1");

            SeenRequest request = Assert.Single(handler.ApiRequests);
            string expected = "/v7/apps/com.app/purchases/inapp/products/" + Uri.EscapeDataString(productId) + "/T1";
            Assert.Equal(expected, request.Uri.AbsolutePath);
            // Decoded, the segment is the value itself, and no other segment appeared.
            string[] segments = request.Uri.AbsolutePath.Split('/');
            Assert.Equal(9, segments.Length);
            Assert.Equal(productId, Uri.UnescapeDataString(segments[7]));
        }

        [Fact]
        public async Task KoreanProductIdIsSentAsUtf8PercentEncoding()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, TestHandler.Purchase)) };
            using var client = TestClient.Create(handler);

            await client.GetInAppPurchaseAsync("다이아", "T1");

            Assert.EndsWith("/products/%EB%8B%A4%EC%9D%B4%EC%95%84/T1", Assert.Single(handler.ApiRequests).Uri.AbsoluteUri);
        }

        [Fact]
        public async Task ListQueriesCarryTheWindowPageSizeAndContinuationKey()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, "{\"voidedPurchaseList\":[]}")) };
            using var client = TestClient.Create(handler);

            await client.GetVoidedPurchasesPageAsync(new PurchaseListQuery
            {
                StartTimeMillis = 1345678900000, EndTimeMillis = 1345688900000, MaxResults = 10, ContinuationKey = "k/1=",
            });
            await client.GetUnconfirmedPurchasesPageAsync(new PurchaseListQuery { EndTimeMillis = 5 });

            SeenRequest[] requests = handler.ApiRequests;
            Assert.Equal("/v7/apps/com.app/voided-purchases?continuationKey=k%2F1%3D&startTime=1345678900000&endTime=1345688900000&maxResults=10",
                requests[0].Uri.PathAndQuery);
            // Only the side given is sent: the server derives the other.
            Assert.Equal("/v7/apps/com.app/unconfirmed-purchases?endTime=5", requests[1].Uri.PathAndQuery);
        }

        [Fact]
        public async Task ClientIdIsEncodedIntoEveryPath()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, TestHandler.Purchase)) };
            using var client = TestClient.Create(handler, clientId: "0000042301 앱");

            await client.GetInAppPurchaseAsync("p", "T");

            Assert.StartsWith("/v7/apps/0000042301%20%EC%95%B1/purchases/", Assert.Single(handler.ApiRequests).Uri.AbsolutePath);
        }

        [Fact]
        public async Task RawRequestFillsClientIdAndQueryAndReturnsPlainValues()
        {
            var handler = new TestHandler
            {
                Api = _ => Task.FromResult(TestHandler.Json(200, "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":1.5}}")),
            };
            using var client = TestClient.Create(handler);

            object? reply = await client.SendRawAsync("post", "/v7/apps/{clientId}/things",
                new[] { new System.Collections.Generic.KeyValuePair<string, string?>("k", "v w") }, System.Text.Encoding.UTF8.GetBytes("{\"z\":1}"));

            SeenRequest request = Assert.Single(handler.ApiRequests);
            Assert.Equal("POST", request.Method);
            Assert.Equal("/v7/apps/com.app/things?k=v%20w", request.Uri.PathAndQuery);
            Assert.Equal("{\"z\":1}", request.Body);
            var tree = Assert.IsType<JsonTreeObject>(reply);
            Assert.Equal(new[] { "a", "b", "c" }, tree.Properties.Select(p => p.Key));
            Assert.Equal(1L, tree.Properties[0].Value);
        }

        [Theory]
        [InlineData("https://evil.test/v7/x")]
        [InlineData("//evil.test/v7/x")]
        [InlineData("v7/no-leading-slash")]
        [InlineData("/v7/x\n")]
        [InlineData("")]
        public async Task RawRequestRefusesPathsThatLeaveTheHost(string path)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.SendRawAsync("GET", path, null, null));

            Assert.Equal(OneStoreErrorCodes.InvalidPath, e.Code);
            Assert.Empty(handler.Requests);
        }

        [Theory]
        [InlineData("http://iap.example.com")]
        [InlineData("ftp://127.0.0.1")]
        public void InsecureBaseUrisAreRefused(string uri)
        {
            var e = Assert.Throws<OneStoreApiException>(() => OneStoreClientOptions.ValidateBaseUri(new Uri(uri)));
            Assert.Equal(OneStoreErrorCodes.InvalidBaseUri, e.Code);
        }

        [Theory]
        [InlineData("http://127.0.0.1:5080")]
        [InlineData("http://localhost:5080")]
        [InlineData("http://[::1]:5080")]
        [InlineData("https://iap-apis.onestore.net")]
        public void LoopbackHttpAndHttpsAreAccepted(string uri) => OneStoreClientOptions.ValidateBaseUri(new Uri(uri));

        [Fact]
        public async Task RedirectsAreNotFollowed()
        {
            var handler = new TestHandler
            {
                Api = _ =>
                {
                    var response = new System.Net.Http.HttpResponseMessage(HttpStatusCode.Found);
                    response.Headers.Location = new Uri("https://evil.test/");
                    return Task.FromResult(response);
                },
            };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(302, e.HttpStatus);
            Assert.Single(handler.ApiRequests);
        }
    }
}
