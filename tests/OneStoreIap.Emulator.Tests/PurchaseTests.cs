using System.Net.Http;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class PurchaseTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        public PurchaseTests(EmulatorFixture fixture) : base(fixture) { }

        [Fact]
        public async Task Returns_inapp_details_with_the_specs_members()
        {
            var token = await TokenAsync();
            var reply = await GetAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001"), token);

            Assert.Equal(200, reply.Status);
            Assert.Equal(JsonType, reply.ContentType);
            var root = reply.Json;
            Assert.Equal(new[] { "consumptionState", "developerPayload", "purchaseState", "purchaseTime", "purchaseId", "acknowledgeState", "quantity" }, Names(root));
            Assert.Equal(0, root.GetProperty("consumptionState").GetInt32());
            Assert.Equal("payload-inapp-new-0001", root.GetProperty("developerPayload").GetString());
            Assert.Equal(0, root.GetProperty("purchaseState").GetInt32());
            Assert.Equal("INAPPNEW0001", root.GetProperty("purchaseId").GetString());
            Assert.Equal(0, root.GetProperty("acknowledgeState").GetInt32());
            Assert.Equal(2, root.GetProperty("quantity").GetInt32());
            var now = await NowAsync();
            Assert.InRange(now - root.GetProperty("purchaseTime").GetInt64(), 2 * 3600_000 - 60_000, 2 * 3600_000 + 60_000);
        }

        [Fact]
        public async Task Returns_auto_details_with_the_specs_members()
        {
            var token = await TokenAsync();
            var root = (await GetAsync(PurchasePath("auto", "monthly_pass", "AUTO-ACTIVE-0001"), token)).Json;
            Assert.Equal(new[] { "startTime", "expiryTime", "nextPaymentTime", "autoRenewing", "cancelReason", "cancelledTime", "acknowledgeState", "lastPurchaseId", "lastPurchaseState" }, Names(root));
            Assert.True(root.GetProperty("autoRenewing").GetBoolean());
            Assert.Equal(1, root.GetProperty("acknowledgeState").GetInt32());
            Assert.Equal("AUTOACTIVE0001", root.GetProperty("lastPurchaseId").GetString());
            Assert.Equal(0, root.GetProperty("lastPurchaseState").GetInt32());
            Assert.True(root.GetProperty("expiryTime").GetInt64() > await NowAsync());
        }

        [Fact]
        public async Task Returns_subscription_details_with_the_specs_members()
        {
            var token = await TokenAsync();
            var root = (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001"), token)).Json;
            Assert.Equal(new[]
            {
                "acknowledgementState", "developerPayload", "autoRenewing", "paymentState", "priceAmount", "priceAmountMicros", "nextPriceAmount",
                "nextPriceAmountMicros", "nextPaymentTimeMillis", "priceCurrencyCode", "countryCode", "startTimeMillis", "expiryTimeMillis",
                "pauseStartTimeMillis", "pauseEndTimeMillis", "autoResumeTimeMillis", "linkedPurchaseToken", "lastPurchaseId", "cancelledTimeMillis",
                "cancelReason", "promotionPrice", "priceChange",
            }, Names(root));
            Assert.Equal(1, root.GetProperty("acknowledgementState").GetInt32());
            Assert.Equal(1, root.GetProperty("paymentState").GetInt32());
            Assert.Equal("4900", root.GetProperty("priceAmount").GetString());
            Assert.Equal(4_900_000_000L, root.GetProperty("priceAmountMicros").GetInt64());
            Assert.Equal("KR", root.GetProperty("countryCode").GetString());
            Assert.Equal(new[] { "promotionPrice", "promotionPriceMicros", "promotionPeriod" }, Names(root.GetProperty("promotionPrice")));
            Assert.Equal(new[] { "seq", "previousPrice", "previousPriceMicros", "newPrice", "newPriceMicros", "applyTimeMillis", "agreement", "agreementDueDateTimeMillis" },
                Names(root.GetProperty("priceChange")));
        }

        // NoSuchData for a token of another type than the route (getPurchaseDetails, getRecurringPurchaseDetails,
        // cancelRecurringPurchase, reactiveRecurringPurchase) and for tokens that do not exist.
        [Theory]
        [InlineData("GET", "inapp", "monthly_pass", "AUTO-ACTIVE-0001", null)]
        [InlineData("GET", "inapp", "premium_monthly", "SUB-ACTIVE-0001", null)]
        [InlineData("GET", "auto", "gem_100", "INAPP-ACK-0001", null)]
        [InlineData("GET", "auto", "premium_monthly", "SUB-ACTIVE-0001", null)]
        [InlineData("GET", "subscription", "monthly_pass", "AUTO-ACTIVE-0001", null)]
        [InlineData("POST", "auto", "premium_monthly", "SUB-ACTIVE-0001", "cancel")]
        [InlineData("POST", "auto", "premium_monthly", "SUB-CANCELLED-0001", "reactivate")]
        [InlineData("POST", "subscription", "monthly_pass", "AUTO-ACTIVE-0001", "cancel")]
        [InlineData("GET", "inapp", "gem_100", "NO-SUCH-TOKEN", null)]
        [InlineData("GET", "inapp", "other_product", "INAPP-ACK-0001", null)]
        public async Task Answers_NoSuchData_for_a_token_the_route_does_not_serve(string method, string type, string productId, string purchaseToken, string? action)
        {
            var token = await TokenAsync();
            var reply = await SendAsync(new HttpMethod(method), PurchasePath(type, productId, purchaseToken, action), token);
            AssertError(reply, 404, "NoSuchData", "The requested data could not be found.");
        }

        [Fact]
        public async Task Does_not_show_a_purchase_of_another_app()
        {
            var token = await TokenAsync(Other, OtherSecret);
            var reply = await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-ACK-0001", clientId: Other), token);
            AssertError(reply, 404, "NoSuchData");
        }

        [Fact]
        public async Task Consumes_once_and_counts_the_consumption_as_acknowledgement()
        {
            var token = await TokenAsync();
            var path = PurchasePath("inapp", Dia, "INAPP-NEW-0001", "consume");

            AssertSuccess(await PostAsync(path, token, "{\"developerPayload\":\"payload-inapp-new-0001\"}"));
            AssertError(await PostAsync(path, token), 409, "InvalidConsumeState",
                "The purchase consumption status cannot be changed or has already been changed.");

            var details = (await GetAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001"), token)).Json;
            Assert.Equal(1, details.GetProperty("consumptionState").GetInt32());
            Assert.Equal(1, details.GetProperty("acknowledgeState").GetInt32());
            var state = await PurchaseStateAsync("INAPP-NEW-0001");
            Assert.Equal(1, state.GetProperty("consumeCount").GetInt32());
            Assert.Equal(1, state.GetProperty("changeCount").GetInt32());

            // acknowledging a consumed purchase: it counts as acknowledged already
            AssertError(await PostAsync(PurchasePath("all", Dia, "INAPP-NEW-0001", "acknowledge"), token), 409, "InvalidPurchaseState");
        }

        [Fact]
        public async Task Consumes_an_acknowledged_purchase_without_a_body()
        {
            var token = await TokenAsync();
            AssertSuccess(await SendAsync(HttpMethod.Post, PurchasePath("inapp", "gem_100", "INAPP-ACK-0001", "consume"), token, contentType: null));
        }

        [Theory]
        [InlineData("inapp", "gem_100", "INAPP-VOIDED-0001", "consume")]
        [InlineData("inapp", "gem_100", "INAPP-EXPIRED-0001", "consume")]
        [InlineData("inapp", "gem_100", "NO-SUCH-TOKEN", "consume")]
        [InlineData("inapp", "monthly_pass", "AUTO-NEW-0001", "consume")]
        [InlineData("all", "gem_100", "INAPP-VOIDED-0001", "acknowledge")]
        [InlineData("all", "gem_100", "NO-SUCH-TOKEN", "acknowledge")]
        [InlineData("all", "gem_100", "INAPP-ACK-0001", "acknowledge")]
        [InlineData("all", "gem_100", "INAPP-CONSUMED-0001", "acknowledge")]
        [InlineData("all", "monthly_pass", "AUTO-VOIDED-0001", "acknowledge")]
        public async Task Answers_InvalidPurchaseState_for_cancelled_missing_or_confirmed_purchases(string type, string productId, string purchaseToken, string action)
        {
            var token = await TokenAsync();
            AssertError(await PostAsync(PurchasePath(type, productId, purchaseToken, action), token), 409, "InvalidPurchaseState",
                "Purchase history does not exist or is not completed.");
        }

        [Fact]
        public async Task Does_not_confirm_a_purchase_of_the_other_market()
        {
            var token = await TokenAsync();
            AssertError(await PostAsync(PurchasePath("all", Dia, "GLB-INAPP-NEW-0001", "acknowledge"), token), 409, "InvalidPurchaseState");
            AssertSuccess(await PostAsync(PurchasePath("all", Dia, "GLB-INAPP-NEW-0001", "acknowledge"), token, market: "MKT_GLB"));
        }

        [Theory]
        [InlineData("consume", "inapp")]
        [InlineData("acknowledge", "all")]
        public async Task Refuses_a_developer_payload_that_differs(string action, string type)
        {
            var token = await TokenAsync();
            var reply = await PostAsync(PurchasePath(type, Ruby, "INAPP-NEW-0002", action), token, "{\"developerPayload\":\"something else\"}");
            AssertError(reply, 400, "DeveloperPayloadNotMatch", "The request developerPayload does not match the value passed in the purchase request.");
            var state = await PurchaseStateAsync("INAPP-NEW-0002");
            Assert.Equal(0, state.GetProperty("acknowledgeState").GetInt32());
            Assert.Equal(0, state.GetProperty("changeCount").GetInt32());
        }

        [Theory]
        [InlineData("{\"developerPayload\":")]
        [InlineData("not json")]
        [InlineData("[1,2]")]
        public async Task Refuses_a_malformed_body_with_BadRequest(string body)
        {
            var token = await TokenAsync();
            AssertError(await PostAsync(PurchasePath("all", Ruby, "INAPP-NEW-0002", "acknowledge"), token, body), 400, "BadRequest", "The request is invalid.");
        }

        [Fact]
        public async Task Acknowledges_inapp_auto_and_subscription_purchases()
        {
            var token = await TokenAsync();
            AssertSuccess(await PostAsync(PurchasePath("all", Ruby, "INAPP-NEW-0002", "acknowledge"), token, "{\"developerPayload\":\"payload-inapp-new-0002\"}"));
            AssertSuccess(await PostAsync(PurchasePath("all", "monthly_pass", "AUTO-NEW-0001", "acknowledge"), token, "{}"));
            AssertSuccess(await PostAsync(PurchasePath("all", "premium_monthly", "SUB-NEW-0001", "acknowledge"), token));

            Assert.Equal(1, (await GetAsync(PurchasePath("inapp", Ruby, "INAPP-NEW-0002"), token)).Json.GetProperty("acknowledgeState").GetInt32());
            Assert.Equal(0, (await GetAsync(PurchasePath("inapp", Ruby, "INAPP-NEW-0002"), token)).Json.GetProperty("consumptionState").GetInt32());
            Assert.Equal(1, (await GetAsync(PurchasePath("auto", "monthly_pass", "AUTO-NEW-0001"), token)).Json.GetProperty("acknowledgeState").GetInt32());
            Assert.Equal(1, (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-NEW-0001"), token)).Json.GetProperty("acknowledgementState").GetInt32());
            Assert.Equal(1, (await PurchaseStateAsync("INAPP-NEW-0002")).GetProperty("acknowledgeCount").GetInt32());
        }

        [Fact]
        public async Task Cancels_unacknowledged_purchases_after_three_days()
        {
            var token = await TokenAsync();
            var purchaseTime = (await PurchaseStateAsync("INAPP-NEW-0001")).GetProperty("purchaseTime").GetInt64();
            var autoTime = (await PurchaseStateAsync("AUTO-NEW-0001")).GetProperty("purchaseTime").GetInt64();

            await AdvanceAsync(new { days = 3 });
            token = await TokenAsync(); // the first one expired meanwhile

            var details = (await GetAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001"), token)).Json;
            Assert.Equal(1, details.GetProperty("purchaseState").GetInt32());
            var auto = (await GetAsync(PurchasePath("auto", "monthly_pass", "AUTO-NEW-0001"), token)).Json;
            Assert.Equal(1, auto.GetProperty("lastPurchaseState").GetInt32());
            Assert.False(auto.GetProperty("autoRenewing").GetBoolean());
            AssertError(await PostAsync(PurchasePath("all", Dia, "INAPP-NEW-0001", "acknowledge"), token), 409, "InvalidPurchaseState");

            // acknowledged, consumed and subscription purchases are left alone
            Assert.Equal(0, (await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-ACK-0001"), token)).Json.GetProperty("purchaseState").GetInt32());
            Assert.Equal(0, (await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-CONSUMED-0001"), token)).Json.GetProperty("purchaseState").GetInt32());

            var (voided, _) = await PageAllAsync("voided-purchases", token);
            var entry = voided.Find(v => v.GetProperty("purchaseToken").GetString() == "INAPP-NEW-0001");
            Assert.Equal(purchaseTime + 3 * 86_400_000L, entry.GetProperty("voidedTime").GetInt64());
            var autoEntry = voided.Find(v => v.GetProperty("purchaseToken").GetString() == "AUTO-NEW-0001");
            Assert.Equal(autoTime + 3 * 86_400_000L, autoEntry.GetProperty("voidedTime").GetInt64());
            Assert.DoesNotContain(voided, v => v.GetProperty("purchaseToken").GetString() == "INAPP-ACK-0001");

            var (unconfirmed, _) = await PageAllAsync("unconfirmed-purchases", token);
            Assert.DoesNotContain(unconfirmed, v => v.GetProperty("purchaseToken").GetString() == "INAPP-NEW-0001");
        }

        [Fact]
        public async Task Does_not_cancel_before_three_days()
        {
            var token = await TokenAsync();
            var state = await PurchaseStateAsync("INAPP-NEW-0003");
            var age = await NowAsync() - state.GetProperty("purchaseTime").GetInt64();
            await AdvanceAsync(new { milliseconds = 3 * 86_400_000L - age - 60_000 }); // a minute before the deadline
            token = await TokenAsync();
            Assert.Equal(0, (await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-NEW-0003"), token)).Json.GetProperty("purchaseState").GetInt32());
            await AdvanceAsync(new { minutes = 2 });
            Assert.Equal(1, (await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-NEW-0003"), token)).Json.GetProperty("purchaseState").GetInt32());
        }

        [Fact]
        public async Task Shows_the_seeded_expired_purchase_as_cancelled()
        {
            var state = await PurchaseStateAsync("INAPP-EXPIRED-0001");
            Assert.Equal(1, state.GetProperty("purchaseState").GetInt32());
            Assert.True(state.GetProperty("autoCancelled").GetBoolean());
            Assert.Equal(state.GetProperty("purchaseTime").GetInt64() + 3 * 86_400_000L, state.GetProperty("voidedTime").GetInt64());
        }
    }
}
