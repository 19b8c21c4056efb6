using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>Changes whose reply was lost: reported once, never applied twice.</summary>
    public class LostReplyTests
    {
        [Fact]
        public async Task AnAcknowledgedSubscriptionWhoseReplyWasLostIsReportedAsAlreadyApplied()
        {
            int acks = 0;
            var handler = new TestHandler
            {
                Api = r =>
                {
                    string path = r.Uri.AbsolutePath;
                    // acknowledgePurchase serves every type; only the subscription route knows this purchase.
                    if (r.Method == "GET" && path.Contains("/purchases/subscription/"))
                        return Task.FromResult(TestHandler.Json(200, "{\"acknowledgementState\":1}"));
                    if (r.Method == "GET") return Task.FromResult(TestHandler.Error(404, "NoSuchData"));
                    if (++acks == 1) throw new HttpRequestException("Connection reset by peer");
                    return Task.FromResult(TestHandler.Error(409, "InvalidPurchaseState"));
                },
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.AcknowledgeAsync("premium", "T", null);

            Assert.True(reply.AlreadyApplied);
            Assert.Equal("Success", reply.Code);
            Assert.Equal(2, acks);
        }

        [Fact]
        public async Task AnUnacknowledgedPurchaseAfterALostReplyKeepsTheConflict()
        {
            int acks = 0;
            var handler = new TestHandler
            {
                Api = r =>
                {
                    if (r.Method == "GET" && r.Uri.AbsolutePath.Contains("/purchases/subscription/"))
                        return Task.FromResult(TestHandler.Json(200, "{\"acknowledgementState\":0}"));
                    if (r.Method == "GET") return Task.FromResult(TestHandler.Error(404, "NoSuchData"));
                    if (++acks == 1) throw new HttpRequestException("Connection reset by peer");
                    return Task.FromResult(TestHandler.Error(409, "InvalidPurchaseState"));
                },
            };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.AcknowledgeAsync("premium", "T", null));

            Assert.Equal("InvalidPurchaseState", e.Code);
        }

        [Fact]
        public async Task ADeferThatMayHaveBeenAppliedIsNotSentAgain()
        {
            var handler = new TestHandler { Api = _ => throw new HttpRequestException("Connection reset by peer") };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.DeferSubscriptionAsync("premium", "T", 3));

            Assert.Equal(OneStoreErrorCodes.NetworkError, e.Code);
            Assert.True(e.MayHaveBeenApplied);
            Assert.False(e.IsTransient);
            Assert.Contains("may have been applied", e.Message);
            Assert.Single(handler.ApiRequests);
        }

        [Fact]
        public async Task ADeferAnswered503IsRetried()
        {
            int defers = 0;
            var handler = new TestHandler
            {
                Api = _ => Task.FromResult(++defers == 1 ? TestHandler.Error(503, "ServiceMaintenance") : TestHandler.Json(200, TestHandler.Success)),
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.DeferSubscriptionAsync("premium", "T", 3);

            Assert.Equal("Success", reply.Code);
            Assert.Equal(2, handler.ApiRequests.Count(r => r.Method == "POST"));
        }

        [Fact]
        public async Task OtherChangesAreStillRetriedAfterALostReply()
        {
            int cancels = 0;
            var handler = new TestHandler
            {
                Api = _ =>
                {
                    if (++cancels == 1) throw new HttpRequestException("Connection reset by peer");
                    return Task.FromResult(TestHandler.Json(200, TestHandler.Success));
                },
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.CancelAsync(ProductKind.Subscription, "premium", "T");

            Assert.Equal("Success", reply.Code);
            Assert.Equal(2, cancels);
        }
    }
}
