using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using OneStoreIap.Emulator.Host;

namespace OneStoreIap.Emulator.Tests
{
    /// <summary>One real emulator host on a free loopback port per test class.</summary>
    public class EmulatorFixture : IAsyncLifetime
    {
        public EmulatorWebHost Host { get; private set; } = null!;
        public HttpClient Http { get; private set; } = null!;
        public OneStoreEmulator Emulator => Host.Emulator;

        protected virtual EmulatorOptions CreateOptions() => new();

        public async Task InitializeAsync()
        {
            Host = await EmulatorWebHost.StartAsync(new OneStoreEmulator(CreateOptions()), new[] { "http://127.0.0.1:0" });
            Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 64 })
            {
                BaseAddress = Host.BaseUri,
                Timeout = TimeSpan.FromSeconds(30),
            };
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await Host.DisposeAsync();
        }
    }

    /// <summary>A real clock that stands still unless moved, so second-exact rules can be asserted.</summary>
    public sealed class FrozenTime : TimeProvider
    {
        private readonly DateTimeOffset now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => now;
    }

    public sealed class FrozenClockFixture : EmulatorFixture
    {
        protected override EmulatorOptions CreateOptions() => new() { TimeProvider = new FrozenTime() };
    }

    public sealed class SandboxFixture : EmulatorFixture
    {
        protected override EmulatorOptions CreateOptions() => new() { Sandbox = true };
    }

    /// <summary>A reply read whole: status, content type, body text and (when JSON) the parsed body.</summary>
    public sealed class Reply
    {
        public int Status { get; init; }
        public string? ContentType { get; init; }
        public string Body { get; init; } = "";
        public HttpResponseMessage Message { get; init; } = null!;

        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

        public string? Code => Json.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : null;

        public string? ErrorMessage => Json.TryGetProperty("error", out var e) ? e.GetProperty("message").GetString() : null;

        public override string ToString() => Status + " " + Body;
    }

    /// <summary>Shared helpers; each test starts from the seed (reset in the constructor).</summary>
    public abstract class EmulatorTestBase
    {
        public const string Sample = "com.onestore.sample";
        public const string SampleSecret = "sample-client-secret-0000";
        public const string Other = "com.onestore.other";
        public const string OtherSecret = "other-client-secret-0000";
        public const string Dia = "다이아100_20170818000000";
        public const string Ruby = "루비300_20170818000000";
        public const string JsonType = "application/json;charset=UTF-8";

        protected EmulatorTestBase(EmulatorFixture fixture)
        {
            Fixture = fixture;
            fixture.Emulator.Reset();
        }

        protected EmulatorFixture Fixture { get; }

        protected HttpClient Http => Fixture.Http;

        protected static string E(string value) => Uri.EscapeDataString(value);

        protected static string PurchasePath(string type, string productId, string token, string? action = null, string clientId = Sample) =>
            "/v7/apps/" + E(clientId) + "/purchases/" + type + "/products/" + E(productId) + "/" + E(token) + (action == null ? "" : "/" + action);

        protected async Task<Reply> TokenRequestAsync(string body, string? contentType = "application/x-www-form-urlencoded", string? market = null)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType != null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            var request = new HttpRequestMessage(HttpMethod.Post, "/v7/oauth/token") { Content = content };
            if (market != null) request.Headers.TryAddWithoutValidation("x-market-code", market);
            return await ReadAsync(await Http.SendAsync(request));
        }

        protected async Task<string> TokenAsync(string clientId = Sample, string secret = SampleSecret)
        {
            var reply = await TokenRequestAsync("grant_type=client_credentials&client_id=" + E(clientId) + "&client_secret=" + E(secret));
            Assert.True(reply.Status == 200, reply.ToString());
            return reply.Json.GetProperty("access_token").GetString()!;
        }

        protected async Task<Reply> SendAsync(HttpMethod method, string path, string? token, string? json = null, string? market = null,
            string? contentType = "application/json", string? authorization = null)
        {
            var request = new HttpRequestMessage(method, path);
            if (authorization != null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            else if (token != null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            if (market != null) request.Headers.TryAddWithoutValidation("x-market-code", market);
            if (json != null || method == HttpMethod.Post)
            {
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json ?? ""));
                if (contentType != null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                request.Content = content;
            }
            return await ReadAsync(await Http.SendAsync(request));
        }

        protected Task<Reply> GetAsync(string path, string token, string? market = null) => SendAsync(HttpMethod.Get, path, token, market: market);

        protected Task<Reply> PostAsync(string path, string token, string? json = null, string? market = null) =>
            SendAsync(HttpMethod.Post, path, token, json, market);

        protected static async Task<Reply> ReadAsync(HttpResponseMessage response)
        {
            // the raw header, read before the body (reading it parses and re-formats the header)
            var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var raw) ? raw.ToString() : null;
            var body = await response.Content.ReadAsStringAsync();
            return new Reply
            {
                Status = (int)response.StatusCode,
                ContentType = contentType,
                Body = body,
                Message = response,
            };
        }

        protected async Task<JsonElement> ControlAsync(HttpMethod method, string path, object? body = null, int expectStatus = 200)
        {
            var request = new HttpRequestMessage(method, "/_emulator/" + path);
            if (body != null || method != HttpMethod.Get)
            {
                // the control API takes only JSON for anything but a GET (ControlGuard)
                request.Content = new StringContent(body as string ?? (body == null ? "{}" : JsonSerializer.Serialize(body)), Encoding.UTF8, "application/json");
            }
            var reply = await ReadAsync(await Http.SendAsync(request));
            Assert.True(reply.Status == expectStatus, path + ": " + reply);
            return reply.Json;
        }

        protected Task<JsonElement> PurchaseStateAsync(string token) => ControlAsync(HttpMethod.Get, "purchases/" + E(token));

        protected Task<JsonElement> AdvanceAsync(object body) => ControlAsync(HttpMethod.Post, "clock/advance", body);

        protected async Task<long> NowAsync() => (await ControlAsync(HttpMethod.Get, "clock")).GetProperty("nowMillis").GetInt64();

        protected Task<JsonElement> FaultAsync(object body) => ControlAsync(HttpMethod.Post, "faults", body);

        protected static void AssertError(Reply reply, int status, string code, string? message = null)
        {
            Assert.True(reply.Status == status, "expected " + status + " " + code + ", got " + reply);
            Assert.Equal(JsonType, reply.ContentType);
            var root = reply.Json;
            Assert.Equal(new[] { "error" }, root.EnumerateObject().Select(p => p.Name).ToArray());
            var error = root.GetProperty("error");
            Assert.Equal(new[] { "code", "message" }, error.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Equal(code, error.GetProperty("code").GetString());
            if (message != null) Assert.Equal(message, error.GetProperty("message").GetString());
        }

        protected static void AssertSuccess(Reply reply)
        {
            Assert.True(reply.Status == 200, reply.ToString());
            Assert.Equal(JsonType, reply.ContentType);
            Assert.Equal("{\"result\":{\"code\":\"Success\",\"message\":\"Request has been completed successfully.\"}}", reply.Body);
        }

        protected static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

        /// <summary>Pages a list route to the end; returns the items and the continuation keys seen.</summary>
        protected async Task<(List<JsonElement> Items, List<string> Keys)> PageAllAsync(string list, string token, string query = "", string? market = null)
        {
            var items = new List<JsonElement>();
            var keys = new List<string>();
            string? key = null;
            var member = list == "voided-purchases" ? "voidedPurchaseList" : "unconfirmedPurchaseList";
            for (var page = 0; page < 5000; page++)
            {
                var q = query + (key == null ? "" : (query.Length > 0 ? "&" : "") + "continuationKey=" + E(key));
                var reply = await GetAsync("/v7/apps/" + Sample + "/" + list + (q.Length > 0 ? "?" + q : ""), token, market);
                Assert.True(reply.Status == 200, reply.ToString());
                var root = reply.Json;
                items.AddRange(root.GetProperty(member).EnumerateArray());
                if (!root.TryGetProperty("continuationKey", out var k)) return (items, keys);
                key = k.GetString()!;
                keys.Add(key);
            }
            throw new InvalidOperationException("paging did not end");
        }
    }
}
