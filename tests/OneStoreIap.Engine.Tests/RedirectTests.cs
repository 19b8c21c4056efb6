using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>
    /// A redirect must never carry the Authorization header (or the token request's secret) to another host: the
    /// engine's own socket handler does not follow redirects. Real sockets on loopback, no test handler.
    /// </summary>
    public class RedirectTests
    {
        private sealed class LoopbackServer : IDisposable
        {
            private readonly HttpListener _listener = new();
            private readonly Func<HttpListenerContext, Task> _answer;
            public ConcurrentQueue<string> Seen { get; } = new();
            public int Port { get; }

            public LoopbackServer(Func<HttpListenerContext, Task> answer)
            {
                _answer = answer;
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                Port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                _listener.Prefixes.Add($"http://localhost:{Port}/");
                _listener.Start();
                _ = ServeAsync();
            }

            private async Task ServeAsync()
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    Seen.Enqueue(context.Request.HttpMethod + " " + context.Request.Url!.AbsolutePath + " " + context.Request.Headers["Authorization"]);
                    await _answer(context);
                    context.Response.Close();
                }
            }

            public void Dispose() => _listener.Close();
        }

        private static async Task Write(HttpListenerContext context, int status, string json)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            byte[] bytes = Encoding.UTF8.GetBytes(json);
            await context.Response.OutputStream.WriteAsync(bytes);
        }

        [Fact]
        public async Task ARedirectToAnotherHostIsNotFollowed()
        {
            using var elsewhere = new LoopbackServer(c => Write(c, 200, TestHandler.Success));
            using var server = new LoopbackServer(async c =>
            {
                if (c.Request.Url!.AbsolutePath.EndsWith("/oauth/token", StringComparison.Ordinal))
                {
                    await Write(c, 200, "{\"access_token\":\"token-redirect-0001\",\"token_type\":\"bearer\",\"expires_in\":3600}");
                    return;
                }
                c.Response.StatusCode = 302;
                c.Response.RedirectLocation = $"http://localhost:{elsewhere.Port}/stolen";
            });
            var options = new OneStoreClientOptions(new Uri($"http://127.0.0.1:{server.Port}"), "com.app", TestClient.Secure(TestClient.Secret))
            {
                TokenCache = new TokenCache(),
                MaxRetryCount = 0,
            };
            using var client = new OneStoreClient(options);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(302, e.HttpStatus);
            Assert.Equal(2, server.Seen.Count);  // the token request and the redirected lookup
            Assert.Empty(elsewhere.Seen);
        }
    }
}
