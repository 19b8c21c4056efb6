using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class ListTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        private const long Day = 86_400_000L;

        public ListTests(EmulatorFixture fixture) : base(fixture) { }

        private static string Token(JsonElement e) => e.GetProperty("purchaseToken").GetString()!;

        [Fact]
        public async Task Pages_every_voided_purchase_once_in_order()
        {
            var token = await TokenAsync();
            var (items, keys) = await PageAllAsync("voided-purchases", token);

            Assert.True(items.Count >= 250, "voided: " + items.Count);
            Assert.Equal(items.Count, items.Select(Token).Distinct().Count());
            Assert.Equal((items.Count + 99) / 100 - 1, keys.Count);
            Assert.All(keys, k => Assert.InRange(k.Length, 1, 41));
            var order = items.Select(i => (i.GetProperty("voidedTime").GetInt64(), i.GetProperty("purchaseId").GetString())).ToList();
            Assert.Equal(order.OrderBy(o => o.Item1).ThenBy(o => o.Item2, StringComparer.Ordinal), order);
            Assert.All(items, i => Assert.Equal(new[] { "purchaseId", "purchaseTime", "voidedTime", "purchaseToken", "marketCode" }, Names(i)));
            Assert.All(items, i => Assert.Equal("MKT_ONE", i.GetProperty("marketCode").GetString()));
            Assert.Contains(items, i => Token(i) == "INAPP-VOIDED-0001");
            Assert.Contains(items, i => Token(i) == "INAPP-EXPIRED-0001");
            Assert.DoesNotContain(items, i => Token(i) == "GLB-INAPP-VOID-0001");
        }

        [Fact]
        public async Task Pages_every_unconfirmed_purchase_once_in_order()
        {
            var token = await TokenAsync();
            var (items, keys) = await PageAllAsync("unconfirmed-purchases", token);

            Assert.True(items.Count >= 250, "unconfirmed: " + items.Count);
            Assert.Equal(items.Count, items.Select(Token).Distinct().Count());
            var order = items.Select(i => (i.GetProperty("purchaseTime").GetInt64(), i.GetProperty("purchaseId").GetString())).ToList();
            Assert.Equal(order.OrderBy(o => o.Item1).ThenBy(o => o.Item2, StringComparer.Ordinal), order);
            Assert.All(items, i => Assert.Equal(
                new[] { "type", "orderId", "productId", "purchaseToken", "purchaseId", "purchaseTime", "purchaseState", "developerPayload", "quantity", "marketCode" },
                Names(i)));
            var dia = items.Single(i => Token(i) == "INAPP-NEW-0001");
            Assert.Equal(Dia, dia.GetProperty("productId").GetString());
            Assert.Equal("inapp", dia.GetProperty("type").GetString());
            Assert.Equal(2, dia.GetProperty("quantity").GetInt32());
            Assert.Contains(items, i => Token(i) == "AUTO-NEW-0001" && i.GetProperty("type").GetString() == "auto");
            Assert.DoesNotContain(items, i => Token(i) == "INAPP-ACK-0001" || Token(i) == "INAPP-CONSUMED-0001" || Token(i) == "GLB-INAPP-NEW-0001");
        }

        [Fact]
        public async Task Lists_only_the_markets_purchases()
        {
            var token = await TokenAsync();
            var (voided, _) = await PageAllAsync("voided-purchases", token, market: "MKT_GLB");
            Assert.Equal(new[] { "GLB-INAPP-VOID-0001" }, voided.Select(Token).ToArray());
            var (unconfirmed, _) = await PageAllAsync("unconfirmed-purchases", token, market: "MKT_GLB");
            Assert.Equal(new[] { "GLB-INAPP-NEW-0001" }, unconfirmed.Select(Token).ToArray());
        }

        [Fact]
        public async Task Sends_100_by_default_and_no_key_on_the_last_page()
        {
            var token = await TokenAsync();
            var first = (await GetAsync("/v7/apps/com.onestore.sample/voided-purchases", token)).Json;
            Assert.Equal(100, first.GetProperty("voidedPurchaseList").GetArrayLength());
            Assert.Equal("continuationKey", Names(first)[0]);

            var glb = (await GetAsync("/v7/apps/com.onestore.sample/voided-purchases", token, "MKT_GLB")).Json;
            Assert.Equal(new[] { "voidedPurchaseList" }, Names(glb));
        }

        [Fact]
        public async Task Stays_exact_when_purchases_come_and_go_between_pages()
        {
            var token = await TokenAsync();
            var before = (await PageAllAsync("unconfirmed-purchases", token)).Items.Select(Token).ToList();

            var page1 = (await GetAsync("/v7/apps/com.onestore.sample/unconfirmed-purchases?maxResults=50", token)).Json;
            var seen = page1.GetProperty("unconfirmedPurchaseList").EnumerateArray().Select(Token).ToList();
            var key = page1.GetProperty("continuationKey").GetString()!;

            // a purchase sorted before the cursor, one after it, and an acknowledgement of an already listed one
            var early = (await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId = "gem_100", purchaseTime = "-47h30m" })).GetProperty("purchaseToken").GetString()!;
            var late = (await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId = "gem_100" })).GetProperty("purchaseToken").GetString()!;
            AssertSuccess(await PostAsync(PurchasePath("all", "bulk_pending_item", seen[10], "acknowledge"), token));

            while (true)
            {
                var page = (await GetAsync("/v7/apps/com.onestore.sample/unconfirmed-purchases?maxResults=50&continuationKey=" + E(key), token)).Json;
                seen.AddRange(page.GetProperty("unconfirmedPurchaseList").EnumerateArray().Select(Token));
                if (!page.TryGetProperty("continuationKey", out var next)) break;
                key = next.GetString()!;
            }

            Assert.Equal(seen.Count, seen.Distinct().Count());
            Assert.Empty(before.Except(seen));
            Assert.Contains(late, seen);
            Assert.DoesNotContain(early, seen);
        }

        [Theory]
        [InlineData("maxResults=0", "maxResults")]
        [InlineData("maxResults=101", "maxResults")]
        [InlineData("maxResults=-1", "maxResults")]
        [InlineData("maxResults=ten", "maxResults")]
        [InlineData("maxResults=", "maxResults")]
        [InlineData("startTime=yesterday", "startTime")]
        [InlineData("endTime=1.5", "endTime")]
        [InlineData("continuationKey=garbage", "continuationKey")]
        [InlineData("continuationKey=u123.abc", "continuationKey")]
        public async Task Refuses_malformed_query_values(string query, string field)
        {
            var token = await TokenAsync();
            foreach (var list in new[] { "voided-purchases", "unconfirmed-purchases" })
            {
                if (list == "unconfirmed-purchases" && query == "continuationKey=u123.abc") continue; // a valid shape there
                var reply = await GetAsync("/v7/apps/com.onestore.sample/" + list + "?" + query, token);
                AssertError(reply, 400, "InvalidRequest", "Request parameters are invalid. [ " + field + " ]");
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(100)]
        public async Task Accepts_max_results_from_1_to_100(int max)
        {
            var token = await TokenAsync();
            var reply = await GetAsync("/v7/apps/com.onestore.sample/voided-purchases?maxResults=" + max, token);
            Assert.Equal(max, reply.Json.GetProperty("voidedPurchaseList").GetArrayLength());
        }

        [Theory]
        [InlineData(-31 * Day - 120_000L, null, "startTime")]
        [InlineData(null, 60_000L, "endTime")]
        [InlineData(-32 * Day, 60_000L, "startTime, endTime")]
        [InlineData(-1 * Day, -2 * Day, "startTime, endTime")]
        public async Task Refuses_windows_outside_the_specs_rules(long? start, long? end, string fields)
        {
            var token = await TokenAsync();
            var now = await NowAsync();
            var query = new List<string>();
            if (start.HasValue) query.Add("startTime=" + (now + start.Value));
            if (end.HasValue) query.Add("endTime=" + (now + end.Value));
            foreach (var list in new[] { "voided-purchases", "unconfirmed-purchases" })
            {
                var reply = await GetAsync("/v7/apps/com.onestore.sample/" + list + "?" + string.Join("&", query), token);
                AssertError(reply, 400, "InvalidRequest", "Request parameters are invalid. [ " + fields + " ]");
            }
        }

        [Theory]
        [InlineData(-30 * Day)]
        [InlineData(-31 * Day)]
        public async Task Accepts_a_start_of_one_month_ago_by_any_calendar(long start)
        {
            var token = await TokenAsync();
            var now = await NowAsync();
            foreach (var list in new[] { "voided-purchases", "unconfirmed-purchases" })
            {
                var reply = await GetAsync("/v7/apps/com.onestore.sample/" + list + "?startTime=" + (now + start) + "&endTime=" + now, token);
                Assert.Equal(200, reply.Status);
            }
        }

        [Fact]
        public async Task Derives_the_window_from_a_start_alone()
        {
            var token = await TokenAsync();
            var now = await NowAsync();
            var start = now - 2 * Day;
            var (items, _) = await PageAllAsync("voided-purchases", token, "startTime=" + start);
            var (all, _) = await PageAllAsync("voided-purchases", token);
            Assert.NotEmpty(items);
            Assert.All(items, i => Assert.InRange(i.GetProperty("voidedTime").GetInt64(), start, now + 60_000));
            Assert.Equal(all.Count(i => i.GetProperty("voidedTime").GetInt64() >= start), items.Count);
        }

        [Fact]
        public async Task Derives_the_window_from_an_end_alone()
        {
            var token = await TokenAsync();
            var now = await NowAsync();
            var end = now - 10 * Day;
            var (items, _) = await PageAllAsync("voided-purchases", token, "endTime=" + end);
            Assert.NotEmpty(items);
            Assert.All(items, i => Assert.InRange(i.GetProperty("voidedTime").GetInt64(), end - 30 * Day, end));
        }

        [Fact]
        public async Task Uses_both_bounds_when_given()
        {
            var token = await TokenAsync();
            var now = await NowAsync();
            var (items, _) = await PageAllAsync("voided-purchases", token, "startTime=" + (now - 20 * Day) + "&endTime=" + (now - 10 * Day));
            Assert.NotEmpty(items);
            Assert.All(items, i => Assert.InRange(i.GetProperty("voidedTime").GetInt64(), now - 20 * Day, now - 10 * Day));
        }

        [Fact]
        public async Task Shows_a_refund_in_the_voided_list()
        {
            var token = await TokenAsync();
            var state = await ControlAsync(HttpMethod.Post, "purchases/INAPP-ACK-0001/void", new { });
            Assert.Equal(1, state.GetProperty("purchaseState").GetInt32());
            var (items, _) = await PageAllAsync("voided-purchases", token);
            Assert.Equal("INAPP-ACK-0001", Token(items[^1]));
            Assert.Equal(1, (await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-ACK-0001"), token)).Json.GetProperty("purchaseState").GetInt32());
            await ControlAsync(HttpMethod.Post, "purchases/INAPP-ACK-0001/void", new { }, expectStatus: 409);
        }
    }

    /// <summary>List windows as the emulator's clock moves: each test class gets its own emulator, so the others' clocks stay put.</summary>
    public sealed class ListWindowClockTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        private const long Day = 86_400_000L;

        public ListWindowClockTests(EmulatorFixture fixture) : base(fixture) { }

        [Fact]
        public async Task A_continued_listing_keeps_its_window_as_the_clock_moves_on()
        {
            var token = await TokenAsync();
            var now = await NowAsync();
            var window = "startTime=" + (now - 31 * Day) + "&endTime=" + now + "&maxResults=5";
            var first = await GetAsync("/v7/apps/com.onestore.sample/voided-purchases?" + window, token);
            var key = first.Json.GetProperty("continuationKey").GetString()!;
            await AdvanceAsync(new { days = 2 });
            token = await TokenAsync();
            var next = await GetAsync("/v7/apps/com.onestore.sample/voided-purchases?" + window + "&continuationKey=" + E(key), token);
            Assert.Equal(200, next.Status);
            Assert.Equal(5, next.Json.GetProperty("voidedPurchaseList").GetArrayLength());
            var fresh = await GetAsync("/v7/apps/com.onestore.sample/voided-purchases?" + window, token);
            AssertError(fresh, 400, "InvalidRequest", "Request parameters are invalid. [ startTime ]");
        }

        [Fact]
        public async Task Replies_tell_the_emulators_clock_in_their_Date_header()
        {
            await AdvanceAsync(new { days = 3 });
            var now = DateTimeOffset.FromUnixTimeMilliseconds(await NowAsync());
            var reply = await TokenRequestAsync("grant_type=client_credentials&client_id=" + Sample + "&client_secret=" + SampleSecret);
            Assert.NotNull(reply.Message.Headers.Date);
            Assert.InRange(reply.Message.Headers.Date!.Value, now.AddSeconds(-5), now.AddSeconds(5));
        }

    }
}
