using System;
using System.Linq;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    public class ReplyParsingTests
    {
        private static OneStoreClient ClientReplying(string json, out TestHandler handler)
        {
            handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, json)) };
            return TestClient.Create(handler);
        }

        [Fact]
        public async Task SpecExampleOfGetPurchaseDetails()
        {
            // getPurchaseDetails, Example (verbatim, with its tab before "quantity").
            const string json = "{\n    \"consumptionState\": 0,\n    \"developerPayload\": \"developerPayload\",\n    \"purchaseState\": 0,\n    \"purchaseTime\": 1345678900000,\n    \"purchaseId\": \"17070421461015116878\",\n    \"acknowledgeState\": 0,\n\t\"quantity\": 2\n}";
            using var client = ClientReplying(json, out _);

            InAppPurchaseDetails d = await client.GetInAppPurchaseAsync("p", "T");

            Assert.Equal(0, d.ConsumptionState);
            Assert.Equal("developerPayload", d.DeveloperPayload);
            Assert.Equal(0, d.PurchaseState);
            Assert.Equal(1345678900000L, d.PurchaseTime);
            Assert.Equal("17070421461015116878", d.PurchaseId);
            Assert.Equal(0, d.AcknowledgeState);
            Assert.Equal(2, d.Quantity);
        }

        [Fact]
        public async Task SpecExampleOfGetRecurringPurchaseDetails()
        {
            const string json = "{\n    \"startTime\": 1345678900000,\n    \"expiryTime\": 1345678999999,\n    \"nextPaymentTime\": 1345688000000,\n    \"autoRenewing\": true,\n    \"cancelReason\": 1,\n    \"cancelledTime\": 1345679000000,\n    \"acknowledgeState\": 0,\n    \"lastPurchaseId\":\"15081718460701027851\",\n    \"lastPurchaseState\": 0\n}";
            using var client = ClientReplying(json, out _);

            RecurringPurchaseDetails d = await client.GetRecurringPurchaseAsync("p", "T");

            Assert.Equal(1345678900000L, d.StartTime);
            Assert.Equal(1345678999999L, d.ExpiryTime);
            Assert.Equal(1345688000000L, d.NextPaymentTime);
            Assert.True(d.AutoRenewing);
            Assert.Equal(1, d.CancelReason);
            Assert.Equal(1345679000000L, d.CancelledTime);
            Assert.Equal(0, d.AcknowledgeState);
            Assert.Equal("15081718460701027851", d.LastPurchaseId);
            Assert.Equal(0, d.LastPurchaseState);
        }

        // getSubscriptionDetail, Example. The spec's text misses a comma after "lastPurchaseId"; SubscriptionExampleFixed
        // adds it, and SpecSubscriptionExampleVerbatimIsAClearProtocolError shows the verbatim text is refused clearly.
        private const string SubscriptionExampleVerbatim = "{\n    \"acknowledgementState\":1,\n    \"autoRenewing\":true,\n    \"paymentState\":1,\n    \"lastPurchaseId\": \"20202394820938409234\"\n    \"linkedPurchaseToken\":null,\n    \"priceAmount\":\"100\",\n    \"priceAmountMicros\":100000000,\n    \"nextPriceAmount\":\"150\",\n    \"nextPriceAmountMicros\":150000000,\n    \"nextPaymentTimeMillis\": 1623337199000,\n    \"priceCurrencyCode\":\"KRW\",\n    \"countryCode\":\"KR\",\n    \"startTimeMillis\":1623337199000,\n    \"expiryTimeMillis\":1625929199000,\n    \"pauseStartTimeMillis\":1625929199000,\n    \"pauseEndTimeMillis\":1625929199000,\n    \"autoResumeTimeMillis\":1625878800000,\n    \"cancelledTimeMillis\":1625929199000,\n    \"cancelReason\":0,\n    \"promotionPrice\":{\n        \"promotionPrice\":\"100\",\n        \"promotionPriceMicros\":100000000,\n        \"promotionPeriod\":30\n    },\n    \"priceChange\":{\n        \"seq\": 1,\n        \"previousPrice\":\"100\",\n        \"previousPriceMicros\":100000000,\n        \"newPrice\":\"500\",\n        \"newPriceMicros\":500000000,\n        \"applyTimeMillis\":1625670000000,\n        \"agreement\":false,\n        \"agreementDueDateTimeMillis\": 1345678920000\n    }\n}";

        [Fact]
        public async Task SpecExampleOfGetSubscriptionDetailWithItsMissingCommaAdded()
        {
            string json = SubscriptionExampleVerbatim.Replace("\"20202394820938409234\"\n", "\"20202394820938409234\",\n");
            using var client = ClientReplying(json, out _);

            SubscriptionDetails d = await client.GetSubscriptionAsync("p", "T");

            Assert.Equal(1, d.AcknowledgementState);
            Assert.True(d.AutoRenewing);
            Assert.Equal(1, d.PaymentState);
            Assert.Equal("20202394820938409234", d.LastPurchaseId);
            Assert.Null(d.LinkedPurchaseToken);
            Assert.Equal("100", d.PriceAmount);
            Assert.Equal(100000000L, d.PriceAmountMicros);
            Assert.Equal("150", d.NextPriceAmount);
            Assert.Equal(150000000L, d.NextPriceAmountMicros);
            Assert.Equal(1623337199000L, d.NextPaymentTimeMillis);
            Assert.Equal("KRW", d.PriceCurrencyCode);
            Assert.Equal("KR", d.CountryCode);
            Assert.Equal(1623337199000L, d.StartTimeMillis);
            Assert.Equal(1625929199000L, d.ExpiryTimeMillis);
            Assert.Equal(1625929199000L, d.PauseStartTimeMillis);
            Assert.Equal(1625929199000L, d.PauseEndTimeMillis);
            Assert.Equal(1625878800000L, d.AutoResumeTimeMillis);
            Assert.Equal(1625929199000L, d.CancelledTimeMillis);
            Assert.Equal(0, d.CancelReason);
            Assert.Equal("100", d.PromotionPrice!.PromotionPrice);
            Assert.Equal(100000000L, d.PromotionPrice.PromotionPriceMicros);
            Assert.Equal(30, d.PromotionPrice.PromotionPeriod);
            Assert.Equal(1, d.PriceChange!.Seq);
            Assert.Equal("100", d.PriceChange.PreviousPrice);
            Assert.Equal(100000000L, d.PriceChange.PreviousPriceMicros);
            Assert.Equal("500", d.PriceChange.NewPrice);
            Assert.Equal(500000000L, d.PriceChange.NewPriceMicros);
            Assert.Equal(1625670000000L, d.PriceChange.ApplyTimeMillis);
            Assert.False(d.PriceChange.Agreement);
            Assert.Equal(1345678920000L, d.PriceChange.AgreementDueDateTimeMillis);
        }

        [Fact]
        public async Task SpecSubscriptionExampleVerbatimIsAClearProtocolError()
        {
            using var client = ClientReplying(SubscriptionExampleVerbatim, out _);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetSubscriptionAsync("p", "T"));

            Assert.Equal(OneStoreErrorKind.Protocol, e.Kind);
            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.Contains("acknowledgementState", e.Message);
        }

        [Fact]
        public async Task SpecExampleOfGetVoidedPurchasesWithTheTrailingSpaceInItsKey()
        {
            // getVoidedPurchases, Example: the key is "voidedPurchaseList " (with a trailing space) in the spec.
            const string json = "{\n    \"continuationKey\": \"continuationKey\",\n    \"voidedPurchaseList \": [\n        {\n            \"purchaseId\": \"19062709124410111299\",\n            \"purchaseTime\": 1345678900000,\n            \"voidedTime\": 1345688900000,\n            \"purchaseToken\": \"19062709124410111299\",\n            \"marketCode\": \"MKT_ONE\"\n        },\n        {\n            \"purchaseId\": \"19062709124410111300\",\n            \"purchaseTime\": 1345679900000,\n            \"voidedTime\": 1345878900000,\n            \"purchaseToken\": \"19062709124410111299\",\n            \"marketCode\": \"MKT_ONE\"\n        }\n    ]\n}";
            using var client = ClientReplying(json, out _);

            var page = await client.GetVoidedPurchasesPageAsync(new PurchaseListQuery());

            Assert.Equal("continuationKey", page.ContinuationKey);
            Assert.Equal(2, page.Items.Count);
            Assert.Equal("19062709124410111299", page.Items[0].PurchaseId);
            Assert.Equal(1345678900000L, page.Items[0].PurchaseTime);
            Assert.Equal(1345688900000L, page.Items[0].VoidedTime);
            Assert.Equal("19062709124410111299", page.Items[0].PurchaseToken);
            Assert.Equal("MKT_ONE", page.Items[0].MarketCode);
            Assert.Equal("19062709124410111300", page.Items[1].PurchaseId);
            Assert.Equal(1345878900000L, page.Items[1].VoidedTime);
        }

        [Theory]
        [InlineData("{\"continuationKey\":\"K1\",\"voidedPurchaseList\":[{\"purchaseId\":\"1\"}]}", "K1")]
        [InlineData("{\"ContinuationKey\":\"K3\"}", "K3")]
        [InlineData("{\"continuation\\u004bey\":\"K5\"}", "K5")]
        [InlineData("{\"continuationKey\":\"a\",\"continuationKey\":\"K4\"}", "a")]
        [InlineData("{\"continuationKey\":\"K6\",", "K6")]
        [InlineData("{\"voidedPurchaseList\":[{\"purchaseId\":\"1\",\"continuationKey\":\"inner\"}],\"continuationKey\":\"K2\"}", null)]
        [InlineData("{\"continuationKey\":null,\"voidedPurchaseList\":[]}", null)]
        [InlineData("{\"continuationKey\":{\"x\":\"y\"}}", null)]
        [InlineData("{\"voidedPurchaseList\":[]}", null)]
        [InlineData("[\"continuationKey\"]", null)]
        [InlineData("not json", null)]
        public void TheContinuationKeyIsPeekedWhenItComesFirst(string json, string? expected)
        {
            Assert.Equal(expected, OneStoreClient.PeekContinuationKey(System.Text.Encoding.UTF8.GetBytes(json)));
        }

        [Theory]
        [InlineData("{\"continuationKey\":\"next\",\"voidedPurchaseList\":[{\"purchaseId\":\"1\",\"purchaseToken\":\"T\"}]}", "next", "next")]
        [InlineData("{\"voidedPurchaseList\":[{\"purchaseId\":\"1\",\"purchaseToken\":\"T\"}],\"continuationKey\":\"last\"}", null, "last")]
        [InlineData("{\"continuationKey\":\"first\",\"voidedPurchaseList\":[{\"purchaseId\":\"1\",\"purchaseToken\":\"T\"}],\"continuationKey\":\"second\"}", "first", "second")]
        public async Task AFetchedPageOffersItsLeadingKeyBeforeItsRowsAreParsedAndTheParsedKeyDecides(string json, string? early, string parsed)
        {
            using var client = ClientReplying(json, out _);

            PurchaseListReply reply = await client.FetchVoidedPurchasesPageAsync(new PurchaseListQuery());
            Assert.Equal(early, reply.EarlyContinuationKey);
            var page = client.ParseVoidedPurchasesPage(reply);

            Assert.Equal(parsed, page.ContinuationKey);
            Assert.Equal("T", Assert.Single(page.Items).PurchaseToken);
        }

        [Fact]
        public async Task VoidedListUnderTheTablesKeyAndNoContinuationKey()
        {
            using var client = ClientReplying("{\"voidedPurchaseList\":[{\"purchaseId\":\"1\",\"purchaseToken\":\"T\"}]}", out _);

            var page = await client.GetVoidedPurchasesPageAsync(new PurchaseListQuery());

            Assert.Null(page.ContinuationKey);
            Assert.Equal("T", Assert.Single(page.Items).PurchaseToken);
        }

        [Fact]
        public async Task SpecExampleOfGetUnconfirmedPurchasesWithTheTrailingSpaceInItsKey()
        {
            const string json = "{\n\t\"continuationKey\": \"continuationKey\",\n\t\"unconfirmedPurchaseList \": [\n\t\t{\n            \"type\": \"inapp\",\n            \"orderId\": \"01239349082349823489342\",\n            \"productId\": \"다이아100_20170818000000\",\n \t\t\t\"purchaseToken\": \"19062709124410111299\",\n\t\t\t\"purchaseId\": \"19062709124410111299\",\n\t\t\t\"purchaseTime\": 1345678900000,\n \t\t\t\"purchaseState\": 0,\n            \"developerPayload\": \"E23DEFB029F84F4383ECB0E53B46B6A2\",\n            \"quantity\": 1,\n\t\t\t\"marketCode\": \"MKT_ONE\"\n\t\t},\n \t\t{\n            \"type\": \"inapp\",\n            \"orderId\": \"01239349082349823489343\",\n            \"productId\": \"루비300_20170818000000\",\n \t\t\t\"purchaseToken\": \"19062709124410111299\",\n\t\t\t\"purchaseId\": \"19062709124410111300\",\n\t\t\t\"purchaseTime\": 1345679900000,\n \t\t\t\"purchaseState\": 0,\n            \"developerPayload\": \"T_RPAY_27_201707120110880\",\n            \"quantity\": 2,\n\t\t\t\"marketCode\": \"MKT_ONE\"\n\t\t}\n\t]\n}";
            using var client = ClientReplying(json, out _);

            var page = await client.GetUnconfirmedPurchasesPageAsync(new PurchaseListQuery());

            Assert.Equal("continuationKey", page.ContinuationKey);
            Assert.Equal(2, page.Items.Count);
            UnconfirmedPurchaseItem first = page.Items[0];
            Assert.Equal("inapp", first.Type);
            Assert.Equal("01239349082349823489342", first.OrderId);
            Assert.Equal("다이아100_20170818000000", first.ProductId);
            Assert.Equal("19062709124410111299", first.PurchaseToken);
            Assert.Equal(1345678900000L, first.PurchaseTime);
            Assert.Equal(0, first.PurchaseState);
            Assert.Equal("E23DEFB029F84F4383ECB0E53B46B6A2", first.DeveloperPayload);
            Assert.Equal(1, first.Quantity);
            Assert.Equal("MKT_ONE", first.MarketCode);
            Assert.Equal("루비300_20170818000000", page.Items[1].ProductId);
            Assert.Equal(2, page.Items[1].Quantity);
        }

        [Fact]
        public async Task MissingNullUnknownAndStringNumberFieldsAreTolerated()
        {
            const string json = "{\"paymentState\":null,\"autoRenewing\":\"true\",\"priceAmountMicros\":\"100000000\",\"expiryTimeMillis\":\"1625929199000\",\"somethingNew\":{\"x\":[1,2]},\"cancelReason\":\"1\"}";
            using var client = ClientReplying(json, out _);

            SubscriptionDetails d = await client.GetSubscriptionAsync("p", "T");

            Assert.Null(d.PaymentState);
            Assert.True(d.AutoRenewing);
            Assert.Equal(100000000L, d.PriceAmountMicros);
            Assert.Equal(1625929199000L, d.ExpiryTimeMillis);
            Assert.Equal(1, d.CancelReason);
            Assert.Null(d.DeveloperPayload);
            Assert.Null(d.PromotionPrice);
        }

        [Fact]
        public async Task OperationSuccessBodyIsRead()
        {
            using var client = ClientReplying(TestHandler.Success, out _);

            OperationReply reply = await client.ConsumeAsync("p", "T", null);

            Assert.Equal("Success", reply.Code);
            Assert.Equal("Request has been completed successfully.", reply.Message);
        }

        [Theory]
        [InlineData("<html><body><h1>404 Not Found</h1></body></html>", "text/html", 404)]
        [InlineData("<html>\r\n<head><title>502 Bad Gateway</title></head>\u0007</html>", "text/html", 200)]
        [InlineData("{\"purchaseState\":", "application/json", 200)]
        [InlineData("{\"purchaseState\":\"abc\"}", "application/json", 200)]
        [InlineData("", "application/json", 200)]
        [InlineData("null", "application/json", 200)]
        [InlineData("[1,2]", "application/json", 200)]
        public async Task RepliesThatAreNotTheSpecsJsonAreProtocolErrors(string body, string contentType, int status)
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Raw(status, body, contentType)) };
            using var client = TestClient.Create(handler, maxRetries: 0);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorKind.Protocol, e.Kind);
            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.Equal(status, e.HttpStatus);
            Assert.DoesNotContain(e.Message, c => char.IsControl(c));
        }

        [Fact]
        public async Task ExcerptOfAnHtmlReplyIsShortAndSafe()
        {
            string html = "<html>\n<body>\u001b[31m" + new string('x', 5000) + "</body></html>";
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Raw(404, html, "text/html")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Contains("text/html", e.Message);
            Assert.Contains("'<html> <body>", e.Message);
            string excerpt = e.Message.Substring(e.Message.IndexOf("begins: '", StringComparison.Ordinal) + 9).TrimEnd('\'');
            Assert.True(excerpt.Length <= 201, $"excerpt is {excerpt.Length} characters");
            Assert.DoesNotContain(e.Message, c => char.IsControl(c));
        }

        [Fact]
        public async Task RepliesBeyondTheSizeLimitAreRefused()
        {
            string big = "{\"developerPayload\":\"" + new string('a', 5000) + "\"}";
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(200, big)) };
            using var client = TestClient.Create(handler, maxReplyBytes: 4096);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorCodes.ReplyTooLarge, e.Code);
            Assert.Equal(OneStoreErrorKind.Protocol, e.Kind);
        }

        [Fact]
        public async Task RepliesWithoutContentLengthBeyondTheLimitAreRefused()
        {
            var handler = new TestHandler
            {
                Api = _ =>
                {
                    var response = new System.Net.Http.HttpResponseMessage(System.Net.HttpStatusCode.OK)
                    {
                        Content = new System.Net.Http.StreamContent(new System.IO.MemoryStream(new byte[10000])),
                    };
                    response.Content.Headers.ContentLength = null;
                    return Task.FromResult(response);
                },
            };
            using var client = TestClient.Create(handler, maxReplyBytes: 4096);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorCodes.ReplyTooLarge, e.Code);
        }

        [Fact]
        public async Task AnErrorBodyWithStatus200IsStillAnError()
        {
            using var client = ClientReplying("{\"error\":{\"code\":\"NoSuchData\",\"message\":\"The requested data could not be found.\"}}", out _);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorCodes.NoSuchData, e.Code);
        }

        [Fact]
        public void MarketOffsetsFollowTheSpec()
        {
            Assert.Equal(System.TimeSpan.FromHours(9), OneStoreMarket.ToDateTimeOffset(1345678900000, "MKT_ONE")!.Value.Offset);
            Assert.Equal(System.TimeSpan.Zero, OneStoreMarket.ToDateTimeOffset(1345678900000, "MKT_GLB")!.Value.Offset);
            Assert.Equal(1345678900000L, OneStoreMarket.ToDateTimeOffset(1345678900000, "MKT_ONE")!.Value.ToUnixTimeMilliseconds());
            Assert.Null(OneStoreMarket.ToDateTimeOffset(null, "MKT_ONE"));
        }
    }
}
