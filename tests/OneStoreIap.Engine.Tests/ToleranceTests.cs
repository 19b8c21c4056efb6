using System;
using System.Linq;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>Where the spec's own sections disagree, either reading is accepted; what is sent stays exact.</summary>
    public class ToleranceTests
    {
        private static OneStoreClient Replying(string json, out TestHandler handler)
        {
            handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, json)) };
            return TestClient.Create(handler);
        }

        // getPurchaseDetails and getRecurringPurchaseDetails say acknowledgeState, getSubscriptionDetail acknowledgementState.
        [Theory]
        [InlineData("{\"purchaseId\":\"P\",\"acknowledgeState\":1}")]
        [InlineData("{\"purchaseId\":\"P\",\"acknowledgementState\":1}")]
        public async Task AnInAppPurchaseReadsEitherSpelling(string json)
        {
            using var client = Replying(json, out _);

            InAppPurchaseDetails d = await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal(1, d.AcknowledgeState);
        }

        [Theory]
        [InlineData("{\"startTime\":1,\"acknowledgeState\":1}")]
        [InlineData("{\"startTime\":1,\"acknowledgementState\":1}")]
        public async Task AnAutoRenewalPurchaseReadsEitherSpelling(string json)
        {
            using var client = Replying(json, out _);

            RecurringPurchaseDetails d = await client.GetRecurringPurchaseAsync("p", "T");

            Assert.Equal(1, d.AcknowledgeState);
        }

        [Theory]
        [InlineData("{\"startTimeMillis\":1,\"acknowledgementState\":1}")]
        [InlineData("{\"startTimeMillis\":1,\"acknowledgeState\":1}")]
        public async Task ASubscriptionReadsEitherSpelling(string json)
        {
            using var client = Replying(json, out _);

            SubscriptionDetails d = await client.GetSubscriptionAsync("p", "T");

            Assert.Equal(1, d.AcknowledgementState);
        }

        [Fact]
        public async Task TheTablesSpellingWinsWhenBothCome()
        {
            using var client = Replying("{\"purchaseId\":\"P\",\"acknowledgementState\":0,\"acknowledgeState\":1}", out _);

            InAppPurchaseDetails d = await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal(1, d.AcknowledgeState);
        }

        [Fact]
        public async Task AnAcknowledgeWhoseReplyWasLostIsFoundAppliedUnderTheOtherSpelling()
        {
            // The check after a lost reply reads the state; an in-app reply spelling it acknowledgementState must count.
            int posts = 0;
            var handler = new TestHandler
            {
                Api = r =>
                {
                    if (r.Method == "POST" && ++posts == 1) throw new System.Net.Http.HttpRequestException("reset after sending");
                    if (r.Method == "POST") return Task.FromResult(TestHandler.Error(409, OneStoreErrorCodes.InvalidPurchaseState));
                    return Task.FromResult(TestHandler.Json(200, "{\"purchaseId\":\"P\",\"purchaseState\":0,\"acknowledgementState\":1}"));
                },
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.AcknowledgeAsync("p", "T", null);

            Assert.True(reply.AlreadyApplied);
        }

        // Fields the spec types String arrive as numbers (purchaseId, priceAmount), Long and Integer ones as strings.
        [Fact]
        public async Task StringFieldsMayComeAsNumbersAndNumbersAsStrings()
        {
            using var client = Replying("{\"purchaseId\":17070421461015116878,\"purchaseTime\":\"1345678900000\",\"purchaseState\":\"0\",\"developerPayload\":42,\"quantity\":\"2\"}", out _);

            InAppPurchaseDetails d = await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal("17070421461015116878", d.PurchaseId);
            Assert.Equal(1345678900000L, d.PurchaseTime);
            Assert.Equal(0, d.PurchaseState);
            Assert.Equal("42", d.DeveloperPayload);
            Assert.Equal(2, d.Quantity);
        }

        [Fact]
        public async Task ASubscriptionsPricesMayComeEitherWay()
        {
            using var client = Replying("{\"startTimeMillis\":\"1623337199000\",\"priceAmount\":100,\"priceAmountMicros\":\"100000000\",\"nextPriceAmount\":1.5,\"lastPurchaseId\":20202394820938409234}", out _);

            SubscriptionDetails d = await client.GetSubscriptionAsync("p", "T");

            Assert.Equal(1623337199000L, d.StartTimeMillis);
            Assert.Equal("100", d.PriceAmount);
            Assert.Equal(100000000L, d.PriceAmountMicros);
            Assert.Equal("1.5", d.NextPriceAmount);
            Assert.Equal("20202394820938409234", d.LastPurchaseId);
        }

        [Fact]
        public async Task ListRowsTolerateNumbersForStrings()
        {
            using var client = Replying("{\"continuationKey\":\"\",\"voidedPurchaseList\":[{\"purchaseId\":123,\"purchaseTime\":\"5\",\"purchaseToken\":\"T1\"}]}", out _);

            var page = await client.GetVoidedPurchasesPageAsync(new PurchaseListQuery());

            Assert.Equal("123", page.Items.Single().PurchaseId);
            Assert.Equal(5L, page.Items.Single().PurchaseTime);
        }

        [Fact]
        public async Task ATokenReplyWithANumericTokenAndAStringLifetimeIsRead()
        {
            var handler = new TestHandler { Token = _ => Task.FromResult(TestHandler.Json(200, "{\"access_token\":12345678,\"expires_in\":\"3600\"}")) };
            using var client = TestClient.Create(handler);

            await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal("Bearer 12345678", handler.ApiRequests.Single().Header("Authorization"));
        }

        // Issue AccessToken names no error body; a token endpoint answering in OAuth's shape (RFC 6749, 5.2) is an
        // authentication error, not a reply that "may not have reached the API".
        [Theory]
        [InlineData(401, "invalid_client")]
        [InlineData(400, "invalid_client")]
        [InlineData(400, "unauthorized_client")]
        [InlineData(400, "invalid_grant")]
        [InlineData(200, "invalid_client")]
        public async Task AnOAuthErrorFromTheTokenRouteIsAnAuthenticationError(int status, string oauthCode)
        {
            var handler = new TestHandler
            {
                Token = _ => Task.FromResult(TestHandler.Json(status, "{\"error\":\"" + oauthCode + "\",\"error_description\":\"Bad client credentials\"}")),
            };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConnectAsync());

            Assert.Equal(OneStoreErrorKind.Api, e.Kind);
            Assert.Equal(OneStoreErrorCodes.UnauthorizedAccess, e.Code);
            Assert.Equal(status, e.HttpStatus);
            Assert.Contains(oauthCode, e.Message);
            Assert.Contains("Bad client credentials", e.Message);
            Assert.Contains("client id or secret was refused", e.Message);
            Assert.DoesNotContain("may not have reached", e.Message);
            Assert.Equal(1, handler.TokenRequests);
        }

        [Theory]
        [InlineData("invalid_request", OneStoreErrorCodes.BadRequest)]
        [InlineData("unsupported_grant_type", OneStoreErrorCodes.BadRequest)]
        [InlineData("invalid_scope", OneStoreErrorCodes.BadRequest)]
        public async Task OtherOAuthErrorsAreTheSpecsBadRequest(string oauthCode, string expected)
        {
            var handler = new TestHandler { Token = _ => Task.FromResult(TestHandler.Json(400, "{\"error\":\"" + oauthCode + "\"}")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConnectAsync());

            Assert.Equal(expected, e.Code);
            Assert.Equal("OAuth error " + oauthCode, e.ServerMessage);
        }

        [Fact]
        public async Task AnOAuthInvalidTokenOnAnApiRouteRenewsTheTokenOnce()
        {
            // RFC 6750, 3.1: a gateway refusing the bearer token says invalid_token; renewed as InvalidAccessToken is.
            int calls = 0;
            var handler = new TestHandler
            {
                Api = _ => Task.FromResult(++calls == 1
                    ? TestHandler.Json(401, "{\"error\":\"invalid_token\",\"error_description\":\"The access token expired\"}")
                    : TestHandler.Json(200, TestHandler.Purchase)),
            };
            using var client = TestClient.Create(handler);

            await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal(2, handler.TokenRequests);
            Assert.Equal("Bearer token-0002", handler.ApiRequests.Last().Header("Authorization"));
        }

        [Fact]
        public async Task AFrameworksErrorStringIsNotTakenForOAuth()
        {
            // {"error":"Not Found"} (a web framework's default error page) is not an OAuth code: as before, not the API's JSON.
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(404, "{\"status\":404,\"error\":\"Not Found\",\"path\":\"/v7\"}")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.Equal(404, e.HttpStatus);
        }

        // deferSubscription, Request Body: deferPeriod is 1-365.
        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        [InlineData(366)]
        [InlineData(int.MaxValue)]
        public async Task ADeferPeriodOutsideTheSpecsRangeIsNeverSent(int period)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.DeferSubscriptionAsync("p", "T", period));

            Assert.Equal(OneStoreErrorCodes.InvalidDeferPeriod, e.Code);
            Assert.Equal(OneStoreErrorKind.Validation, e.Kind);
            Assert.Empty(handler.Requests);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(365)]
        public async Task ADeferPeriodInTheSpecsRangeIsSentExactly(int period)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            await client.DeferSubscriptionAsync("p", "T", period);

            Assert.Equal("{\"deferPeriod\":" + period + "}", handler.ApiRequests.Single().Body);
        }
    }
}
