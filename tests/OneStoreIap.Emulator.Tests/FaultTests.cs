using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class FaultTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        private static readonly string AckPath = PurchasePath("inapp", "gem_100", "INAPP-ACK-0001");

        public FaultTests(EmulatorFixture fixture) : base(fixture) { }

        [Fact]
        public async Task Answers_the_next_N_requests_with_ServiceMaintenance()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "getPurchaseDetails", status = 503, code = "ServiceMaintenance", count = 2, retryAfter = 7 });

            var first = await GetAsync(AckPath, token);
            AssertError(first, 503, "ServiceMaintenance", "System maintenance is in progress.");
            Assert.Equal("7", first.Message.Headers.GetValues("Retry-After").Single());
            AssertError(await GetAsync(AckPath, token), 503, "ServiceMaintenance");
            Assert.Equal(200, (await GetAsync(AckPath, token)).Status);

            var counters = await ControlAsync(HttpMethod.Get, "counters");
            Assert.Equal(2, counters.GetProperty("faultsInjected").GetInt64());
        }

        [Fact]
        public async Task Lets_the_first_matching_requests_through_with_skip()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "getPurchaseDetails", status = 503, code = "ServiceMaintenance", skip = 2, count = 1 });

            Assert.Equal(200, (await GetAsync(AckPath, token)).Status);
            Assert.Equal(200, (await GetAsync(AckPath, token)).Status);
            AssertError(await GetAsync(AckPath, token), 503, "ServiceMaintenance");
            Assert.Equal(200, (await GetAsync(AckPath, token)).Status);
        }

        [Fact]
        public async Task Counts_fault_replies_apart_from_latency_only_faults()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "getPurchaseDetails", latencyMs = 1 });
            await FaultAsync(new { route = "getPurchaseDetails", status = 503, count = 1 });
            await ControlAsync(HttpMethod.Post, "counters/reset");

            AssertError(await GetAsync(AckPath, token), 503, "ServiceMaintenance");
            Assert.Equal(200, (await GetAsync(AckPath, token)).Status);

            var counters = await ControlAsync(HttpMethod.Get, "counters");
            Assert.Equal(2, counters.GetProperty("faultsInjected").GetInt64());
            Assert.Equal(1, counters.GetProperty("faultReplies").GetInt64());
        }

        [Fact]
        public async Task Answers_with_InternalError_from_a_code_alone()
        {
            var token = await TokenAsync();
            await FaultAsync(new { code = "InternalError", count = 1 });
            AssertError(await GetAsync(AckPath, token), 500, "InternalError", "An undefined error has occurred.");
        }

        [Fact]
        public async Task Affects_only_the_faults_route_and_method()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "consumePurchase", status = 503 });
            Assert.Equal(200, (await GetAsync(AckPath, token)).Status);
            AssertError(await PostAsync(PurchasePath("inapp", "gem_100", "INAPP-ACK-0001", "consume"), token), 503, "ServiceMaintenance");
            await ControlAsync(HttpMethod.Delete, "faults");
            AssertSuccess(await PostAsync(PurchasePath("inapp", "gem_100", "INAPP-ACK-0001", "consume"), token));
        }

        [Fact]
        public async Task Applies_a_seeded_rate_reproducibly()
        {
            var token = await TokenAsync();
            async Task<string> RunAsync()
            {
                await ControlAsync(HttpMethod.Delete, "faults");
                await FaultAsync(new { route = "getPurchaseDetails", status = 503, rate = 0.3, seed = 42 });
                var pattern = new char[200];
                for (var i = 0; i < pattern.Length; i++) pattern[i] = (await GetAsync(AckPath, token)).Status == 503 ? 'x' : '.';
                return new string(pattern);
            }

            var first = await RunAsync();
            var second = await RunAsync();
            Assert.Equal(first, second);
            Assert.InRange(first.Count(c => c == 'x'), 30, 90);
        }

        [Fact]
        public async Task Delays_replies_by_the_latency()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "getPurchaseDetails", latencyMs = 300, count = 1 });
            var watch = Stopwatch.StartNew();
            var reply = await GetAsync(AckPath, token);
            Assert.Equal(200, reply.Status);
            Assert.True(watch.ElapsedMilliseconds >= 290, "took " + watch.ElapsedMilliseconds + " ms");
        }

        [Fact]
        public async Task Drops_the_connection_before_applying_the_request()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "consumePurchase", drop = "before", count = 1 });
            await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001", "consume"), token));

            var state = await PurchaseStateAsync("INAPP-NEW-0001");
            Assert.Equal(0, state.GetProperty("consumptionState").GetInt32());
            Assert.Equal(0, state.GetProperty("consumeCount").GetInt32());
            Assert.Equal(1, (await ControlAsync(HttpMethod.Get, "counters")).GetProperty("connectionsDropped").GetInt64());
            AssertSuccess(await PostAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001", "consume"), token));
        }

        [Fact]
        public async Task Drops_the_connection_after_applying_the_request()
        {
            var token = await TokenAsync();
            await FaultAsync(new { route = "consumePurchase", drop = "after", count = 1 });
            await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001", "consume"), token));

            var state = await PurchaseStateAsync("INAPP-NEW-0001");
            Assert.Equal(1, state.GetProperty("consumptionState").GetInt32());
            Assert.Equal(1, state.GetProperty("consumeCount").GetInt32());
            AssertError(await PostAsync(PurchasePath("inapp", Dia, "INAPP-NEW-0001", "consume"), token), 409, "InvalidConsumeState");
        }

        [Fact]
        public async Task Answers_with_a_raw_body()
        {
            var token = await TokenAsync();
            await FaultAsync(new { status = 502, body = "<html><body>Bad Gateway</body></html>", contentType = "text/html", count = 1 });
            var reply = await GetAsync(AckPath, token);
            Assert.Equal(502, reply.Status);
            Assert.StartsWith("text/html", reply.ContentType);
            Assert.Equal("<html><body>Bad Gateway</body></html>", reply.Body);
        }

        [Fact]
        public async Task Faults_the_token_route_too()
        {
            await FaultAsync(new { route = "issueToken", status = 503, count = 1 });
            var reply = await TokenRequestAsync("grant_type=client_credentials&client_id=com.onestore.sample&client_secret=sample-client-secret-0000");
            AssertError(reply, 503, "ServiceMaintenance");
        }

        [Theory]
        [InlineData("{\"route\":\"noSuchRoute\",\"status\":503}")]
        [InlineData("{\"drop\":\"sideways\"}")]
        [InlineData("{\"rate\":2,\"status\":503}")]
        [InlineData("{}")]
        public async Task Refuses_malformed_faults(string body)
        {
            await ControlAsync(HttpMethod.Post, "faults", body, expectStatus: 400);
        }

        [Fact]
        public async Task Counts_requests_per_route_and_the_peak_in_flight()
        {
            var token = await TokenAsync();
            await ControlAsync(HttpMethod.Post, "counters/reset");
            await FaultAsync(new { route = "getPurchaseDetails", latencyMs = 400 });

            var tasks = Enumerable.Range(0, 6).Select(_ => GetAsync(AckPath, token)).ToList();
            await Task.WhenAll(tasks);
            Assert.All(tasks, t => Assert.Equal(200, t.Result.Status));
            await GetAsync("/v7/apps/com.onestore.sample/voided-purchases", token);

            var counters = await ControlAsync(HttpMethod.Get, "counters");
            Assert.Equal(7, counters.GetProperty("totalRequests").GetInt64());
            Assert.Equal(0, counters.GetProperty("tokenRequests").GetInt64());
            Assert.Equal(6, counters.GetProperty("routes").GetProperty("getPurchaseDetails").GetInt64());
            Assert.Equal(1, counters.GetProperty("routes").GetProperty("getVoidedPurchases").GetInt64());
            Assert.Equal(6, counters.GetProperty("peakInFlight").GetInt64());
            Assert.Equal(0, counters.GetProperty("inFlight").GetInt64());

            await ControlAsync(HttpMethod.Post, "counters/reset");
            var zeroed = await ControlAsync(HttpMethod.Get, "counters");
            Assert.Equal(0, zeroed.GetProperty("totalRequests").GetInt64());
            Assert.Equal(0, zeroed.GetProperty("peakInFlight").GetInt64());
        }
    }
}
