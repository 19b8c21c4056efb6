using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using OneStoreIap.Engine.Tests;

namespace OneStoreIap.Emulator.Tests
{
    /// <summary>A loopback PNS receiver: records every body and answers the statuses it is told to (then 200).</summary>
    public sealed class PnsReceiver : IDisposable
    {
        private readonly HttpListener listener = new();
        public readonly ConcurrentQueue<string> Bodies = new();
        public readonly ConcurrentQueue<int> Answers = new();

        public PnsReceiver()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Uri = "http://127.0.0.1:" + port + "/pns/";
            listener.Prefixes.Add(Uri);
            listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Uri { get; }

        private async Task LoopAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception) { return; }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                Bodies.Enqueue(await reader.ReadToEndAsync());
                context.Response.StatusCode = Answers.TryDequeue(out var status) ? status : 200;
                context.Response.Close();
            }
        }

        public void Dispose() => listener.Close();
    }

    public sealed class PnsTests : EmulatorTestBase, IClassFixture<EmulatorFixture>, IDisposable
    {
        private readonly PnsReceiver receiver = new();

        public PnsTests(EmulatorFixture fixture) : base(fixture)
        {
        }

        public void Dispose()
        {
            receiver.Dispose();
        }

        private async Task<JsonElement> ControlAsync(HttpMethod method, string path, string? json = null)
        {
            var reply = await SendAsync(method, "/_emulator/" + path, null, json);
            Assert.True(reply.Status == 200, reply.ToString());
            return reply.Json;
        }

        private async Task UseReceiverAsync(int retries = 2, int delayMs = 10)
        {
            await ControlAsync(HttpMethod.Post, "apps/" + Sample + "/notification", "{\"uri\":\"" + receiver.Uri + "\"}");
            await ControlAsync(HttpMethod.Post, "notifications/settings", "{\"retries\":" + retries + ",\"retryDelayMs\":" + delayMs + "}");
        }

        private async Task SettleAsync()
        {
            var waited = await ControlAsync(HttpMethod.Post, "notifications/wait", "{\"timeoutMs\":20000}");
            Assert.True(waited.GetProperty("idle").GetBoolean());
        }

        private async Task<JsonElement[]> DeliveriesAsync() =>
            (await ControlAsync(HttpMethod.Get, "notifications")).GetProperty("notifications").EnumerateArray().ToArray();

        private async Task<JsonElement> BuyAsync(string token, string product = "gem_100") =>
            await ControlAsync(HttpMethod.Post, "purchases",
                "{\"clientId\":\"" + Sample + "\",\"productId\":\"" + product + "\",\"purchaseToken\":\"" + token + "\",\"developerPayload\":\"유저-1\"}");

        private async Task<string> PublicPemAsync(string dir)
        {
            var app = await ControlAsync(HttpMethod.Get, "apps/" + Sample);
            var der = Convert.FromBase64String(app.GetProperty("licenseKey").GetString()!);
            File.WriteAllBytes(Path.Combine(dir, "pub.der"), der);
            OpenSsl.Run(dir, "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem");
            return Path.Combine(dir, "pub.pem");
        }

        [OpenSslFact]
        public async Task A_purchase_carries_an_originalJson_and_signature_that_openssl_verifies_with_the_apps_license_key()
        {
            using var scratch = OpenSsl.NewRsaKey(1024);
            string pem = await PublicPemAsync(scratch.Directory);
            var p = await BuyAsync("RCPT-0001", Dia);
            var json = p.GetProperty("originalJson").GetString()!;
            var signature = p.GetProperty("signature").GetString()!;
            Assert.True(OpenSsl.KeyFiles.VerifyWith(pem, Encoding.UTF8.GetBytes(json), signature));
            Assert.False(OpenSsl.KeyFiles.VerifyWith(pem, Encoding.UTF8.GetBytes(json.Replace("\"quantity\":1", "\"quantity\":2")), signature));

            using var receipt = JsonDocument.Parse(json);
            var r = receipt.RootElement;
            Assert.Equal(new[] { "orderId", "packageName", "productId", "purchaseTime", "purchaseId", "purchaseToken", "developerPayload",
                "purchaseState", "acknowledgeState", "recurringState", "quantity" }, r.EnumerateObject().Select(m => m.Name).ToArray());
            Assert.Equal(Sample, r.GetProperty("packageName").GetString());
            Assert.Equal(Dia, r.GetProperty("productId").GetString());
            Assert.Contains(Dia, json); // Korean as UTF-8, not escaped
            Assert.Equal(-1, r.GetProperty("recurringState").GetInt32());
            Assert.Equal(0, r.GetProperty("purchaseState").GetInt32());

            // A refund: the receipt now says 2 (refunded), still signed.
            var voided = await ControlAsync(HttpMethod.Post, "purchases/RCPT-0001/void", "{}");
            var after = voided.GetProperty("originalJson").GetString()!;
            Assert.Contains("\"purchaseState\":2", after);
            Assert.True(OpenSsl.KeyFiles.VerifyWith(pem, Encoding.UTF8.GetBytes(after), voided.GetProperty("signature").GetString()!));
        }

        [Fact]
        public async Task The_key_pair_outlives_a_reset_and_a_seed_key_is_used()
        {
            var before = (await ControlAsync(HttpMethod.Get, "apps/" + Sample)).GetProperty("licenseKey").GetString();
            Fixture.Emulator.Reset();
            var after = (await ControlAsync(HttpMethod.Get, "apps/" + Sample)).GetProperty("licenseKey").GetString();
            Assert.Equal(before, after);
            Assert.StartsWith("MII", before);

            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            var seed = "{\"apps\":[{\"clientId\":\"com.seeded\",\"clientSecret\":\"s\",\"privateKey\":" + JsonSerializer.Serialize(rsa.ExportPkcs8PrivateKeyPem()) + "}]}";
            var emulator = new OneStoreEmulator(new EmulatorOptions { SeedJson = seed });
            Assert.Equal(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), emulator.LicenseKey("com.seeded"));
        }

        [OpenSslFact]
        public async Task A_completed_and_a_refunded_purchase_are_pushed_as_signed_3_1_0_messages_that_openssl_verifies()
        {
            using var scratch = OpenSsl.NewRsaKey(1024);
            string pem = await PublicPemAsync(scratch.Directory);
            await UseReceiverAsync();
            await BuyAsync("PNS-0001", Dia);
            await ControlAsync(HttpMethod.Post, "purchases/PNS-0001/void", "{}");
            await SettleAsync();

            var bodies = receiver.Bodies.ToArray();
            Assert.Equal(2, bodies.Length);
            foreach (var (body, state) in bodies.Zip(new[] { "COMPLETED", "CANCELED" }))
            {
                using var doc = JsonDocument.Parse(body);
                var m = doc.RootElement;
                Assert.Equal("3.1.0", m.GetProperty("msgVersion").GetString());
                Assert.Equal(Sample, m.GetProperty("clientId").GetString());
                Assert.Equal("SINGLE_PAYMENT_TRANSACTION", m.GetProperty("messageType").GetString());
                Assert.Equal(state, m.GetProperty("purchaseState").GetString());
                Assert.Equal("PNS-0001", m.GetProperty("purchaseToken").GetString());
                Assert.Equal("COMMERCIAL", m.GetProperty("environment").GetString());
                // The signed bytes, cut from the raw text (the signature is the last member): an independent reading of the rule.
                var signature = m.GetProperty("signature").GetString()!;
                var cut = body.Replace(",\"signature\":\"" + signature + "\"", "");
                Assert.True(OpenSsl.KeyFiles.VerifyWith(pem, Encoding.UTF8.GetBytes(cut), signature), body);
            }
            var deliveries = await DeliveriesAsync();
            Assert.All(deliveries, d => Assert.Equal("Delivered", d.GetProperty("state").GetString()));
        }

        [Fact]
        public async Task A_reply_other_than_200_is_retried_and_each_attempt_is_listed()
        {
            await UseReceiverAsync(retries: 2);
            receiver.Answers.Enqueue(500);
            receiver.Answers.Enqueue(503);
            await BuyAsync("PNS-RETRY-1");
            await SettleAsync();
            var d = Assert.Single(await DeliveriesAsync());
            Assert.Equal("Delivered", d.GetProperty("state").GetString());
            Assert.Equal(new[] { 500, 503, 200 }, d.GetProperty("statuses").EnumerateArray().Select(s => s.GetInt32()).ToArray());
            Assert.Equal(3, receiver.Bodies.Count);

            // Out of retries: Failed.
            for (int i = 0; i < 3; i++) receiver.Answers.Enqueue(500);
            await BuyAsync("PNS-RETRY-2");
            await SettleAsync();
            var failed = (await DeliveriesAsync()).Last();
            Assert.Equal("Failed", failed.GetProperty("state").GetString());
            Assert.Equal(3, failed.GetProperty("attempts").GetInt32());
        }

        [Fact]
        public async Task Drop_duplicate_and_reorder_faults_change_what_the_receiver_sees()
        {
            await UseReceiverAsync();
            await ControlAsync(HttpMethod.Post, "notifications/faults", "{\"kind\":\"drop\"}");
            await ControlAsync(HttpMethod.Post, "notifications/faults", "{\"kind\":\"duplicate\"}");
            await BuyAsync("FAULT-1");   // dropped
            await BuyAsync("FAULT-2");   // sent twice
            await SettleAsync();
            var tokens = receiver.Bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("purchaseToken").GetString()).ToArray();
            Assert.Equal(new[] { "FAULT-2", "FAULT-2" }, tokens);
            var states = (await DeliveriesAsync()).Select(d => d.GetProperty("state").GetString()).ToArray();
            Assert.Equal(new[] { "Dropped", "Delivered", "Delivered" }, states);

            while (receiver.Bodies.TryDequeue(out _)) { }
            await ControlAsync(HttpMethod.Post, "notifications/faults", "{\"kind\":\"reorder\"}");
            await BuyAsync("FAULT-3");   // held until the next one is sent
            await BuyAsync("FAULT-4");
            await SettleAsync();
            tokens = receiver.Bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("purchaseToken").GetString()).ToArray();
            Assert.Equal(new[] { "FAULT-4", "FAULT-3" }, tokens);
        }

        [Fact]
        public async Task The_3_day_cancellation_is_pushed_as_CANCELED()
        {
            await UseReceiverAsync();
            await BuyAsync("AUTOCANCEL-1");
            await ControlAsync(HttpMethod.Post, "clock/advance", "{\"days\":3,\"minutes\":1}");
            await ControlAsync(HttpMethod.Get, "purchases/AUTOCANCEL-1"); // the rule applies when the purchase is next seen
            await SettleAsync();
            var states = (await DeliveriesAsync()).Where(d => d.GetProperty("purchaseToken").GetString() == "AUTOCANCEL-1")
                .Select(d => d.GetProperty("purchaseState").GetString()).ToArray();
            Assert.Equal(new[] { "COMPLETED", "CANCELED" }, states);
        }

        [Theory]
        [InlineData("notifications/faults", "{\"kind\":\"explode\"}")]
        [InlineData("notifications/faults", "{\"kind\":\"drop\",\"colour\":1}")]
        [InlineData("notifications/settings", "{\"retries\":99}")]
        [InlineData("apps/com.onestore.sample/notification", "{\"uri\":\"ftp://x/\"}")]
        public async Task Bad_control_bodies_are_refused(string path, string json)
        {
            var reply = await SendAsync(HttpMethod.Post, "/_emulator/" + path, null, json);
            Assert.Equal(400, reply.Status);
            Assert.Equal("BadRequest", reply.Code);
        }
    }
}
