using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>Changing calls report what happened: never failed when applied, MayHaveBeenApplied whenever it may have been.</summary>
    public class OutcomeTests
    {
        /// <summary>
        /// A consume whose first attempt is applied and its reply lost, then answered <paramref name="afterLoss"/> times
        /// 503; the lookup says <paramref name="consumed"/> (or fails when <paramref name="lookupFails"/>).
        /// </summary>
        private static (OneStoreClient Client, TestHandler Handler) LostThen503(int afterLoss, bool consumed, bool lookupFails = false)
        {
            int posts = 0;
            var handler = new TestHandler
            {
                Api = r =>
                {
                    if (r.Method == "GET")
                        return Task.FromResult(lookupFails ? TestHandler.Error(503, "ServiceMaintenance")
                            : TestHandler.Json(200, $"{{\"purchaseId\":\"P\",\"consumptionState\":{(consumed ? 1 : 0)},\"acknowledgeState\":{(consumed ? 1 : 0)}}}"));
                    if (++posts == 1) throw new HttpRequestException("Connection reset by peer");
                    if (posts <= 1 + afterLoss) return Task.FromResult(TestHandler.Error(503, "ServiceMaintenance"));
                    return Task.FromResult(TestHandler.Error(409, "InvalidConsumeState"));
                },
            };
            return (TestClient.Create(handler, maxRetries: 3), handler);
        }

        [Fact]
        public async Task ALostReplyThenRetriesThatRunOutIsSuccessWhenThePurchaseSaysApplied()
        {
            // The smallest case measured: one drop after applying, then three 503s; it used to be ServiceMaintenance, MayHaveBeenApplied False.
            var (client, handler) = LostThen503(3, consumed: true);
            using (client)
            {
                OperationReply reply = await client.ConsumeAsync("p", "T", null);
                Assert.Equal(OneStoreErrorCodes.Success, reply.Code);
                Assert.True(reply.AlreadyApplied);
                Assert.Single(handler.ApiRequests, r => r.Method == "GET");
            }
        }

        [Fact]
        public async Task ALostReplyThenRetriesThatRunOutIsTheErrorWithMayHaveBeenAppliedWhenNotApplied()
        {
            var (client, _) = LostThen503(3, consumed: false);
            using (client)
            {
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));
                Assert.Equal(OneStoreErrorCodes.ServiceMaintenance, e.Code);
                Assert.True(e.MayHaveBeenApplied);
                Assert.Contains("found the change not applied", e.Message);
            }
        }

        [Fact]
        public async Task WhenThePurchaseCannotBeCheckedTheErrorSaysToCheckItBeforeGranting()
        {
            var (client, _) = LostThen503(3, consumed: true, lookupFails: true);
            using (client)
            {
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));
                Assert.Equal(OneStoreErrorCodes.ServiceMaintenance, e.Code);
                Assert.True(e.MayHaveBeenApplied);
                Assert.Contains("Check the purchase before granting anything or trying again", e.Message);
            }
        }

        [Fact]
        public async Task A503WithoutAnyLostReplyIsTheErrorAndCannotHaveBeenApplied()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(503, "ServiceMaintenance")) };
            using var client = TestClient.Create(handler, maxRetries: 2);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.AcknowledgeAsync("p", "T", null));

            Assert.False(e.MayHaveBeenApplied);
            Assert.DoesNotContain(handler.ApiRequests, r => r.Method == "GET");
        }

        [Theory]
        [InlineData(500)]
        [InlineData(502)]
        [InlineData(504)]
        public async Task AServerOrGatewayErrorToAChangeMayHaveApplied(int status)
        {
            var handler = new TestHandler
            {
                Api = r => Task.FromResult(r.Method == "GET" ? TestHandler.Json(200, "{\"autoRenewing\":true,\"startTime\":1}") : TestHandler.Error(status, "InternalError")),
            };
            using var client = TestClient.Create(handler, maxRetries: 1);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.CancelAsync(ProductKind.Auto, "p", "T"));

            Assert.True(e.MayHaveBeenApplied);
            Assert.Single(handler.ApiRequests, r => r.Method == "GET");
        }

        [Theory]
        [InlineData("{}")]
        [InlineData("null")]
        [InlineData("")]
        [InlineData("{\"result\":{}}")]
        [InlineData("{\"result\":{\"code\":\"Pending\"}}")]
        [InlineData("[1]")]
        public async Task AShapeless200ToAChangeIsAProtocolErrorThatMayHaveApplied(string body)
        {
            var handler = new TestHandler
            {
                Api = r => Task.FromResult(r.Method == "GET" ? TestHandler.Json(200, "{\"purchaseId\":\"P\",\"consumptionState\":0}") : TestHandler.Raw(200, body, "application/json")),
            };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));

            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.True(e.MayHaveBeenApplied);
            Assert.Contains("not the spec's success reply", e.Message);
            Assert.Single(handler.ApiRequests, r => r.Method == "POST");
        }

        [Fact]
        public async Task AShapeless200IsSuccessWhenThePurchaseSaysApplied()
        {
            var handler = new TestHandler
            {
                Api = r => Task.FromResult(r.Method == "GET" ? TestHandler.Json(200, "{\"purchaseId\":\"P\",\"consumptionState\":1}") : TestHandler.Json(200, "{}")),
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.ConsumeAsync("p", "T", null);

            Assert.True(reply.AlreadyApplied);
        }

        [Theory]
        [InlineData("{\"result\":{\"code\":\"Success\",\"message\":\"ok\"}}")]
        [InlineData("{\"code\":\"Success\",\"message\":\"ok\"}")]
        public async Task EitherSuccessEnvelopeIsSuccess(string body)
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, body)) };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.AcknowledgeAsync("p", "T", null);

            Assert.Equal(OneStoreErrorCodes.Success, reply.Code);
            Assert.False(reply.AlreadyApplied);
            Assert.Equal("ok", reply.Message);
        }

        [Theory]
        [InlineData("{}")]
        [InlineData("{\"somethingElse\":1}")]
        public async Task ALookupWithoutThePurchasesFieldsIsAProtocolError(string body)
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, body)) };
            using var client = TestClient.Create(handler);

            foreach (ProductKind kind in new[] { ProductKind.InApp, ProductKind.Auto, ProductKind.Subscription })
            {
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetPurchaseAsync(kind, "p", "T"));
                Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
                Assert.Contains("it is not one", e.Message);
            }
        }

        [Fact]
        public async Task ADeferIsNeverSentTwiceAndAShapelessReplySaysItMayHaveApplied()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, "{}")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.DeferSubscriptionAsync("p", "T", 3));

            Assert.True(e.MayHaveBeenApplied);
            Assert.Single(handler.ApiRequests);
        }

        [Fact]
        public async Task ADeferAnswered500IsNotRepeatedAndMayHaveApplied()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(500, "InternalError")) };
            using var client = TestClient.Create(handler, maxRetries: 3);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.DeferSubscriptionAsync("p", "T", 3));

            Assert.True(e.MayHaveBeenApplied);
            Assert.Single(handler.ApiRequests);
        }
    }
}
