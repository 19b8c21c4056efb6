using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    /// <summary>The control API and the seed refuse what they do not know, instead of ignoring it.</summary>
    public sealed class StrictControlTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        public StrictControlTests(EmulatorFixture fixture) : base(fixture) { }

        [Theory]
        [InlineData("clock/advance", "{\"day\":2}", "'day'")]
        [InlineData("purchases", "{\"clientId\":\"com.onestore.sample\",\"productId\":\"gem_100\",\"acknowleged\":true}", "'acknowleged'")]
        [InlineData("apps", "{\"clientId\":\"com.x\",\"clientSecret\":\"s\",\"market\":[\"MKT_ONE\"]}", "'market'")]
        [InlineData("products", "{\"clientId\":\"com.onestore.sample\",\"productId\":\"p\",\"kind\":\"auto\"}", "'kind'")]
        [InlineData("purchases/bulk", "{\"clientId\":\"com.onestore.sample\",\"productId\":\"gem_100\",\"count\":1,\"prefix\":\"X\"}", "'prefix'")]
        [InlineData("faults", "{\"route\":\"getPurchaseDetails\",\"status\":503,\"times\":1}", "'times'")]
        [InlineData("purchases/INAPP-NEW-0003/void", "{\"voided\":\"-1h\"}", "'voided'")]
        [InlineData("reset", "{\"all\":true}", "'all'")]
        public async Task Names_an_unknown_field_in_a_400(string path, string body, string field)
        {
            var before = await NowAsync();
            var reply = await ControlAsync(HttpMethod.Post, path, body, expectStatus: 400);
            var message = reply.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains("Unknown field " + field, message);
            Assert.Equal("BadRequest", reply.GetProperty("error").GetProperty("code").GetString());
            // nothing happened: the clock did not move, the purchase is not voided
            Assert.InRange(await NowAsync() - before, 0, 60_000);
            Assert.False((await PurchaseStateAsync("INAPP-NEW-0003")).GetProperty("voided").GetBoolean());
        }

        [Fact]
        public void Names_an_unknown_field_in_a_seed_file()
        {
            var seed = "{\"apps\":[{\"clientId\":\"a\",\"clientSecret\":\"s\"}],\"purchases\":[{\"clientId\":\"a\",\"productId\":\"p\",\"purchaseTim\":\"-1h\"}]}";
            var e = Assert.Throws<ArgumentException>(() => new OneStoreEmulator(new EmulatorOptions { SeedJson = seed }));
            Assert.Contains("Unknown field 'purchaseTim' in a purchase", e.Message);
            var root = Assert.Throws<ArgumentException>(() => new OneStoreEmulator(new EmulatorOptions { SeedJson = "{\"app\":[]}" }));
            Assert.Contains("Unknown field 'app' in the seed", root.Message);
            // comments ("// ..." keys) are not fields
            _ = new OneStoreEmulator(new EmulatorOptions { SeedJson = "{\"// note\":\"x\",\"apps\":[]}" });
        }

        [Theory]
        [InlineData("A/B")]
        [InlineData("..")]
        [InlineData(".")]
        public async Task Refuses_a_purchase_token_a_client_cannot_send(string token)
        {
            var reply = await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId = "gem_100", purchaseToken = token }, expectStatus: 400);
            Assert.Contains("purchaseToken", reply.GetProperty("error").GetProperty("message").GetString());
            await ControlAsync(HttpMethod.Post, "purchases/bulk", new { clientId = Sample, productId = "gem_100", count = 1, tokenPrefix = "A/" }, expectStatus: 400);
        }
    }

    /// <summary>What public clients do that the spec does not spell out (docs/emulator.md, "Rules where the spec is silent").</summary>
    public sealed class ClientCompatibilityTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        public ClientCompatibilityTests(EmulatorFixture fixture) : base(fixture) { }

        private async Task<Reply> TokenByQueryAsync(string query, string? body = null, string? contentType = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v7/oauth/token?" + query);
            if (body != null || contentType != null)
            {
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? ""));
                if (contentType != null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                request.Content = content;
            }
            return await ReadAsync(await Http.SendAsync(request));
        }

        [Fact]
        public async Task Takes_the_token_parameters_from_the_query_string_too()
        {
            var query = "grant_type=client_credentials&client_id=" + Sample + "&client_secret=" + SampleSecret;
            var bare = await TokenByQueryAsync(query);
            Assert.True(bare.Status == 200, bare.ToString());
            Assert.Equal(Sample, bare.Json.GetProperty("client_id").GetString());
            var withForm = await TokenByQueryAsync(query, "", "application/x-www-form-urlencoded");
            Assert.True(withForm.Status == 200, withForm.ToString());
            // the body wins: a right secret in the query does not cover a wrong one in the body, nor the other way round
            var bodyWrong = await TokenByQueryAsync(query, "client_secret=wrong", "application/x-www-form-urlencoded");
            AssertError(bodyWrong, 403, "UnauthorizedAccess");
            var bodyRight = await TokenByQueryAsync("grant_type=client_credentials&client_id=" + Sample + "&client_secret=wrong",
                "client_secret=" + SampleSecret, "application/x-www-form-urlencoded");
            Assert.True(bodyRight.Status == 200, bodyRight.ToString());
            // a body that is not a form is still refused
            AssertError(await TokenByQueryAsync(query, "{}", "application/json"), 415, "InvalidContentType");
        }

        [Fact]
        public async Task An_empty_developer_payload_matches_a_purchase_without_one()
        {
            var token = await TokenAsync();
            // INAPP-NEW-0003 was bought without a payload
            AssertSuccess(await PostAsync(PurchasePath("all", "gem_100", "INAPP-NEW-0003", "acknowledge"), token, "{\"developerPayload\":\"\"}"));
            var other = await PostAsync(PurchasePath("all", Dia, "INAPP-NEW-0001", "acknowledge"), token, "{\"developerPayload\":\"\"}");
            AssertError(other, 400, "DeveloperPayloadNotMatch");
        }

        [Fact]
        public async Task The_commercial_emulator_reports_null_for_no_payload()
        {
            var token = await TokenAsync();
            var reply = await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-NEW-0003"), token);
            Assert.Equal(JsonValueKind.Null, reply.Json.GetProperty("developerPayload").ValueKind);
        }
    }

    public sealed class SandboxPayloadTests : EmulatorTestBase, IClassFixture<SandboxFixture>
    {
        public SandboxPayloadTests(SandboxFixture fixture) : base(fixture) { }

        [Fact]
        public async Task The_sandbox_reports_an_empty_payload_for_a_purchase_without_one()
        {
            var token = await TokenAsync();
            var inapp = await GetAsync(PurchasePath("inapp", "gem_100", "INAPP-NEW-0003"), token);
            Assert.Equal("", inapp.Json.GetProperty("developerPayload").GetString());
            await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId = "premium_monthly", purchaseToken = "SUB-NOPAYLOAD" });
            var sub = await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-NOPAYLOAD"), token);
            Assert.Equal("", sub.Json.GetProperty("developerPayload").GetString());
            var (unconfirmed, _) = await PageAllAsync("unconfirmed-purchases", token);
            Assert.All(unconfirmed, u => Assert.Equal(JsonValueKind.String, u.GetProperty("developerPayload").ValueKind));
        }
    }

    /// <summary>An emulator on a developer's machine cannot be driven by a web page or leak a secret.</summary>
    public sealed class DeveloperMachineTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        public DeveloperMachineTests(EmulatorFixture fixture) : base(fixture) { }

        [Theory]
        [InlineData("evil.example")]
        [InlineData("evil.example:5080")]
        [InlineData("127.0.0.1.evil.example")]
        [InlineData("10.0.0.5")]
        public async Task The_control_api_refuses_a_host_that_is_not_loopback(string host)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/_emulator/requests");
            request.Headers.Host = host;
            var reply = await ReadAsync(await Http.SendAsync(request));
            AssertError(reply, 403, "Forbidden");
            var reset = new HttpRequestMessage(HttpMethod.Post, "/_emulator/clock/advance") { Content = new StringContent("{\"days\":1}", Encoding.UTF8, "application/json") };
            reset.Headers.Host = host;
            var before = await NowAsync();
            AssertError(await ReadAsync(await Http.SendAsync(reset)), 403, "Forbidden");
            Assert.InRange(await NowAsync() - before, 0, 60_000);
        }

        [Theory]
        [InlineData("localhost")]
        [InlineData("localhost:5080")]
        [InlineData("[::1]:5080")]
        [InlineData("127.0.0.2")]
        public async Task The_control_api_answers_a_loopback_host(string host)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/_emulator/health");
            request.Headers.Host = host;
            var reply = await ReadAsync(await Http.SendAsync(request));
            Assert.True(reply.Status == 200, reply.ToString());
        }

        [Theory]
        [InlineData(null, "")]
        [InlineData("text/plain", "{\"days\":1}")]
        [InlineData("application/x-www-form-urlencoded", "days=1")]
        [InlineData("multipart/form-data; boundary=x", "--x--")]
        public async Task The_control_api_refuses_what_a_web_page_can_post_without_asking(string? contentType, string body)
        {
            var before = await NowAsync();
            foreach (var path in new[] { "clock/advance", "reset", "faults" })
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/_emulator/" + path);
                if (contentType != null || body.Length > 0)
                {
                    var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                    if (contentType != null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                    request.Content = content;
                }
                AssertError(await ReadAsync(await Http.SendAsync(request)), 415, "InvalidContentType");
            }
            Assert.InRange(await NowAsync() - before, 0, 60_000);
        }

        [Fact]
        public async Task The_request_log_masks_a_client_secret_on_any_route_in_query_form_or_json()
        {
            var token = await TokenAsync();
            var path = PurchasePath("inapp", "gem_100", "INAPP-NEW-0003");
            await SendAsync(HttpMethod.Get, path + "?client_secret=" + SampleSecret + "&x=1", token);
            await SendAsync(HttpMethod.Post, PurchasePath("inapp", "gem_100", "INAPP-NEW-0003", "acknowledge"), token,
                "{\"client_secret\":\"" + SampleSecret + "\",\"developerPayload\":null}");
            await SendAsync(HttpMethod.Post, "/v7/apps/" + Sample + "/voided-purchases?client%5Fsecret=" + SampleSecret, token,
                "client_secret=" + SampleSecret + "&a=b", contentType: "application/x-www-form-urlencoded");
            var query = "grant_type=client_credentials&client_id=" + Sample + "&client_secret=" + SampleSecret;
            await ReadAsync(await Http.PostAsync("/v7/oauth/token?" + query, null));
            var log = await ControlAsync(HttpMethod.Get, "requests");
            var text = log.GetRawText();
            Assert.DoesNotContain(SampleSecret, text);
            Assert.Contains("client_secret=***", text);
            var bodies = new List<string>();
            foreach (var r in log.GetProperty("requests").EnumerateArray())
            {
                if (r.GetProperty("body").ValueKind == JsonValueKind.String) bodies.Add(r.GetProperty("body").GetString()!);
            }
            Assert.Contains(bodies, b => b.Contains("\"client_secret\":\"***\"", StringComparison.Ordinal));
        }
    }

    public sealed class StandaloneListenTests
    {
        [Fact]
        public async Task An_environment_variable_cannot_make_the_host_listen_beyond_loopback()
        {
            // What the program's host reads from the environment (ASP.NET Core configuration); other hosts started
            // meanwhile by parallel tests see it too, and must ignore it just the same.
            Environment.SetEnvironmentVariable("ASPNETCORE_Kestrel__Endpoints__Remote__Url", "http://0.0.0.0:0");
            try
            {
                await using var host = await OneStoreIap.Emulator.Host.EmulatorWebHost.StartAsync(new OneStoreEmulator(), new[] { "http://127.0.0.1:0" });
                var address = Assert.Single(host.Addresses);
                Assert.StartsWith("http://127.0.0.1:", address);
            }
            finally
            {
                Environment.SetEnvironmentVariable("ASPNETCORE_Kestrel__Endpoints__Remote__Url", null);
            }
            await Assert.ThrowsAsync<InvalidOperationException>(() => OneStoreIap.Emulator.Host.EmulatorWebHost.StartAsync(new OneStoreEmulator(), new[] { "http://0.0.0.0:0" }));
        }
    }

    /// <summary>The in-process host (Start-OneStoreEmulator) keeps its limits and answers its own failures.</summary>
    public sealed class InProcessHostLimitTests
    {
        private sealed class FailingTime : TimeProvider
        {
            public volatile bool Fail;
            public override DateTimeOffset GetUtcNow() => Fail ? throw new InvalidOperationException("clock broke") : DateTimeOffset.UtcNow;
        }

        [Fact]
        public async Task Answers_an_internal_failure_with_a_500_json_body()
        {
            var time = new FailingTime();
            using var host = EmulatorHttpListenerHost.Start(new OneStoreEmulator(new EmulatorOptions { TimeProvider = time }));
            using var http = new HttpClient { BaseAddress = host.BaseUri };
            time.Fail = true;
            foreach (var path in new[] { "/_emulator/clock", "/v7/oauth/token" })
            {
                var reply = path.StartsWith("/v7", StringComparison.Ordinal)
                    ? await http.PostAsync(path, new StringContent("grant_type=client_credentials&client_id=" + EmulatorTestBase.Sample + "&client_secret=" + EmulatorTestBase.SampleSecret,
                        Encoding.UTF8, "application/x-www-form-urlencoded"))
                    : await http.GetAsync(path);
                Assert.Equal(500, (int)reply.StatusCode);
                var body = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("InternalError", body.GetProperty("error").GetProperty("code").GetString());
            }
        }

        [Fact]
        public async Task Refuses_a_body_over_the_limit_while_reading_it()
        {
            using var host = EmulatorHttpListenerHost.Start(new OneStoreEmulator(), 0, 16, 1024);
            using var http = new HttpClient { BaseAddress = host.BaseUri };
            // chunked, so no Content-Length tells the host in advance: it has to count while reading
            var big = new PushStreamContentLike(new byte[64 * 1024]);
            var request = new HttpRequestMessage(HttpMethod.Post, "/_emulator/faults") { Content = big };
            request.Headers.TransferEncodingChunked = true;
            var reply = await http.SendAsync(request);
            Assert.Equal(413, (int)reply.StatusCode);
            Assert.Contains("PayloadTooLarge", await reply.Content.ReadAsStringAsync());
            var declared = await http.PostAsync("/_emulator/faults", new ByteArrayContent(new byte[2048]));
            Assert.Equal(413, (int)declared.StatusCode);
            // the host still serves
            Assert.Equal(200, (int)(await http.GetAsync("/_emulator/health")).StatusCode);
        }

        [Fact]
        public async Task Caps_the_requests_it_serves_at_once()
        {
            var emulator = new OneStoreEmulator();
            using var host = EmulatorHttpListenerHost.Start(emulator, 0, 1, 1024 * 1024);
            using var http = new HttpClient { BaseAddress = host.BaseUri };
            var fault = await http.PostAsync("/_emulator/faults", new StringContent("{\"route\":\"issueToken\",\"latencyMs\":30000,\"count\":1}", Encoding.UTF8, "application/json"));
            Assert.Equal(200, (int)fault.StatusCode);
            using var cancel = new System.Threading.CancellationTokenSource();
            var held = http.PostAsync("/v7/oauth/token", new StringContent("grant_type=client_credentials", Encoding.UTF8, "application/x-www-form-urlencoded"), cancel.Token);
            // wait until the emulator holds it (its in-flight counter), without timing
            var waited = Stopwatch.StartNew();
            while (emulator.InFlight == 0 && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Yield();
            Assert.Equal(1, emulator.InFlight);
            var refused = await http.GetAsync("/_emulator/health");
            Assert.Equal(503, (int)refused.StatusCode);
            Assert.Contains("ServiceUnavailable", await refused.Content.ReadAsStringAsync());
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
        }

        /// <summary>Content without a known length (sent chunked).</summary>
        private sealed class PushStreamContentLike : HttpContent
        {
            private readonly byte[] data;
            public PushStreamContentLike(byte[] data) { this.data = data; Headers.TryAddWithoutValidation("Content-Type", "application/json"); }
            protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(data, 0, data.Length);
            protected override bool TryComputeLength(out long length) { length = 0; return false; }
        }
    }
}
