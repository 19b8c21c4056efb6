using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class ControlTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        public ControlTests(EmulatorFixture fixture) : base(fixture) { }

        [Fact]
        public async Task Reports_health_and_the_clock()
        {
            var health = await ControlAsync(HttpMethod.Get, "health");
            Assert.Equal("ok", health.GetProperty("status").GetString());
            var before = await NowAsync();
            var advanced = await AdvanceAsync(new { days = 1, hours = 2 });
            Assert.InRange(advanced.GetProperty("nowMillis").GetInt64() - before, 26 * 3600_000L, 26 * 3600_000L + 5000);
            await ControlAsync(HttpMethod.Post, "clock/advance", new { seconds = -1 }, expectStatus: 400);
        }

        [Fact]
        public async Task Adds_a_purchase_that_the_api_then_serves()
        {
            var added = await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId = "new_product", developerPayload = "p1", quantity = 3 });
            var purchaseToken = added.GetProperty("purchaseToken").GetString()!;
            Assert.InRange(purchaseToken.Length, 1, 20);
            Assert.Equal("inapp", added.GetProperty("type").GetString());

            var token = await TokenAsync();
            var details = (await GetAsync(PurchasePath("inapp", "new_product", purchaseToken), token)).Json;
            Assert.Equal(3, details.GetProperty("quantity").GetInt32());
            Assert.Equal(added.GetProperty("purchaseId").GetString(), details.GetProperty("purchaseId").GetString());
            var (unconfirmed, _) = await PageAllAsync("unconfirmed-purchases", token);
            Assert.Equal(purchaseToken, unconfirmed[^1].GetProperty("purchaseToken").GetString());
        }

        [Fact]
        public async Task Adds_apps_and_products()
        {
            await ControlAsync(HttpMethod.Post, "apps", new { clientId = "com.test.new", clientSecret = "s3cret", markets = new[] { "MKT_GLB" } });
            await ControlAsync(HttpMethod.Post, "products", new { clientId = "com.test.new", productId = "plan", type = "subscription" });
            var added = await ControlAsync(HttpMethod.Post, "purchases", new { clientId = "com.test.new", productId = "plan", marketCode = "MKT_GLB", purchaseToken = "MY-TOKEN-1" });
            Assert.Equal("subscription", added.GetProperty("type").GetString());

            var token = await TokenAsync("com.test.new", "s3cret");
            var reply = await GetAsync(PurchasePath("subscription", "plan", "MY-TOKEN-1", clientId: "com.test.new"), token, "MKT_GLB");
            Assert.True(reply.Status == 200, reply.ToString());
            Assert.Equal("USD", reply.Json.GetProperty("priceCurrencyCode").GetString());

            await ControlAsync(HttpMethod.Post, "purchases", new { clientId = "com.test.new", productId = "plan", purchaseToken = "MY-TOKEN-1" }, expectStatus: 400);
            await ControlAsync(HttpMethod.Post, "purchases", new { clientId = "com.missing", productId = "x" }, expectStatus: 400);
            await ControlAsync(HttpMethod.Get, "purchases/NOPE", expectStatus: 404);
        }

        [Fact]
        public async Task Adds_100000_voided_purchases_quickly_and_pages_them_all()
        {
            var watch = Stopwatch.StartNew();
            var bulk = await ControlAsync(HttpMethod.Post, "purchases/bulk", new { clientId = Sample, productId = "bulk_load", count = 100_000, voided = true });
            var took = watch.Elapsed;
            Assert.Equal(100_000, bulk.GetProperty("count").GetInt32());
            Assert.False(bulk.TryGetProperty("purchaseTokens", out _));
            Assert.True(took < TimeSpan.FromSeconds(3), "bulk took " + took);

            var token = await TokenAsync();
            var (items, _) = await PageAllAsync("voided-purchases", token, "maxResults=100");
            Assert.True(items.Count >= 100_250, "voided: " + items.Count);
            Assert.Equal(items.Count, items.Select(i => i.GetProperty("purchaseToken").GetString()).Distinct().Count());
        }

        [Fact]
        public async Task Returns_the_tokens_of_a_small_bulk()
        {
            var bulk = await ControlAsync(HttpMethod.Post, "purchases/bulk", new { clientId = Sample, productId = "gem_100", marketCode = "MKT_GLB", count = 5, acknowledged = true });
            var tokens = bulk.GetProperty("purchaseTokens").EnumerateArray().Select(t => t.GetString()!).ToList();
            Assert.Equal(5, tokens.Distinct().Count());
            var state = await PurchaseStateAsync(tokens[0]);
            Assert.Equal("MKT_GLB", state.GetProperty("marketCode").GetString());
            Assert.Equal(1, state.GetProperty("acknowledgeState").GetInt32());
        }

        [Fact]
        public async Task Resets_state_faults_counters_log_and_clock()
        {
            var token = await TokenAsync();
            AssertSuccess(await PostAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001", "consume"), token));
            await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId = "gem_100", purchaseToken = "RESET-ME" });
            await AdvanceAsync(new { days = 2 });
            await FaultAsync(new { route = "getVoidedPurchases", status = 503 });

            await ControlAsync(HttpMethod.Post, "reset");

            Assert.Equal(0, (await PurchaseStateAsync("INAPP-NEW-0001")).GetProperty("consumptionState").GetInt32());
            await ControlAsync(HttpMethod.Get, "purchases/RESET-ME", expectStatus: 404);
            Assert.Equal(0, (await ControlAsync(HttpMethod.Get, "clock")).GetProperty("offsetMillis").GetInt64());
            Assert.Equal(0, (await ControlAsync(HttpMethod.Get, "counters")).GetProperty("totalRequests").GetInt64());
            Assert.Equal(0, (await ControlAsync(HttpMethod.Get, "requests")).GetProperty("requests").GetArrayLength());
            Assert.Equal(200, (await GetAsync("/v7/apps/com.onestore.sample/voided-purchases", token)).Status); // fault gone, token still valid
        }

        [Fact]
        public async Task Shows_the_last_requests_newest_last()
        {
            var token = await TokenAsync();
            await GetAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001"), token, "MKT_ONE");
            await GetAsync("/v7/apps/com.onestore.sample/voided-purchases?maxResults=5", token);
            var requests = (await ControlAsync(HttpMethod.Get, "requests?last=2")).GetProperty("requests");
            Assert.Equal(2, requests.GetArrayLength());
            var lookup = requests[0];
            Assert.Equal("getPurchaseDetails", lookup.GetProperty("route").GetString());
            Assert.Equal(Dia, lookup.GetProperty("segments")[6].GetString());
            Assert.Equal("MKT_ONE", lookup.GetProperty("headers").GetProperty("xMarketCode").GetString());
            Assert.Equal(200, lookup.GetProperty("status").GetInt32());
            Assert.Equal("maxResults=5", requests[1].GetProperty("query").GetString());
        }

        [Fact]
        public async Task Answers_unknown_control_routes_with_404()
        {
            await ControlAsync(HttpMethod.Get, "nothing-here", expectStatus: 404);
            await ControlAsync(HttpMethod.Post, "purchases", "{not json", expectStatus: 400);
        }
    }
}
