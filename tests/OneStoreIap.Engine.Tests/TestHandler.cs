using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>A request as the handler saw it.</summary>
    public sealed record SeenRequest(string Method, Uri Uri, Dictionary<string, string> Headers, string? ContentType, string Body)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";
        public bool IsToken => Uri.AbsolutePath.EndsWith("/v7/oauth/token", StringComparison.Ordinal);
    }

    /// <summary>An in-test server: answers token requests with a counter token, everything else through a responder.</summary>
    public sealed class TestHandler : HttpMessageHandler
    {
        private int _tokenCount;
        public ConcurrentQueue<SeenRequest> Requests { get; } = new();
        public Func<SeenRequest, Task<HttpResponseMessage>>? Api { get; set; }
        public Func<SeenRequest, Task<HttpResponseMessage>>? Token { get; set; }
        public int ExpiresIn { get; set; } = 3600;

        public int TokenRequests => Requests.Count(r => r.IsToken);
        public SeenRequest[] ApiRequests => Requests.Where(r => !r.IsToken).ToArray();
        public string LastToken => "token-" + _tokenCount.ToString("D4");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in request.Headers) headers[h.Key] = string.Join(", ", h.Value);
            string body = request.Content == null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var seen = new SeenRequest(request.Method.Method, request.RequestUri!, headers, request.Content?.Headers.ContentType?.ToString(), body);
            Requests.Enqueue(seen);
            if (seen.IsToken)
            {
                if (Token != null) return await Token(seen).WaitAsync(cancellationToken);
                int n = Interlocked.Increment(ref _tokenCount);
                return Json(200, $"{{\"client_id\":\"com.app\",\"access_token\":\"token-{n:D4}\",\"token_type\":\"bearer\",\"expires_in\":{ExpiresIn},\"scope\":\"DEFAULT\"}}");
            }
            if (Api != null) return await Api(seen).WaitAsync(cancellationToken);
            return Json(200, seen.Method == "GET" ? Purchase : Success);
        }

        public const string Success = "{\"result\":{\"code\":\"Success\",\"message\":\"Request has been completed successfully.\"}}";

        /// <summary>A lookup reply that each of the three lookups reads as a purchase.</summary>
        public const string Purchase = "{\"purchaseId\":\"P1\",\"purchaseState\":0,\"startTime\":1,\"startTimeMillis\":1}";

        public static HttpResponseMessage Json(int status, string json) => new((HttpStatusCode)status)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };

        public static HttpResponseMessage Raw(int status, string body, string contentType) => new((HttpStatusCode)status)
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };

        public static HttpResponseMessage Error(int status, string code, string message = "message") =>
            Json(status, $"{{\"error\":{{\"code\":\"{code}\",\"message\":\"{message}\"}}}}");
    }

    public static class TestClient
    {
        public const string Secret = "vxIMAGcVz3DAx20uDBr/IDWNJAPNHFl7YruF4uxB6BI=";

        public static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (char c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        public static OneStoreClient Create(TestHandler handler, string market = OneStoreMarket.Korea, FakeTimeProvider? time = null,
            string clientId = "com.app", int maxRetries = 3, string baseUri = "https://iap.test", int maxReplyBytes = 4 * 1024 * 1024)
        {
            var options = new OneStoreClientOptions(new Uri(baseUri), clientId, Secure(Secret), market)
            {
                Handler = handler,
                TokenCache = new TokenCache(),
                TimeProvider = (TimeProvider?)time ?? TimeProvider.System,
                MaxRetryCount = maxRetries,
                RetryBaseDelay = TimeSpan.Zero,
                MaxReplyBytes = maxReplyBytes,
            };
            return new OneStoreClient(options);
        }
    }
}
