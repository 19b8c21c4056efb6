using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>
    /// A server that echoes what it was sent (the client secret of a token request, the bearer token of an API call)
    /// gets none of it into an exception: message, ServerMessage, code, inner exceptions, ToString().
    /// </summary>
    public class ScrubberTests
    {
        // A space, '+', '/', '=' and a non-ASCII letter: its raw, form-encoded, percent-encoded and base64 forms all differ.
        private const string Secret = "Zq8+/r k=\u00e99XwT4";
        private const string Token = "tok-7f3a9c2e51b8";

        private static OneStoreClient Create(TestHandler handler) => new(new OneStoreClientOptions(new Uri("https://iap.test"), "com.app",
            TestClient.Secure(Secret), OneStoreMarket.Korea)
        {
            Handler = handler,
            TokenCache = new TokenCache(),
            MaxRetryCount = 0,
        });

        private static string FormEncoded(string s) => Uri.EscapeDataString(s).Replace("%20", "+");
        private static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        private static string HtmlEntities(string s) => string.Concat(s.Select(c => $"&#x{(int)c:x};"));
        private static string JsonEscaped(string s) => string.Concat(s.Select(c => $"\\u{(int)c:x4}"));

        /// <summary>The forms a leaked value could take in the text a user sees.</summary>
        private static IEnumerable<string> Forms(string value) => new[]
        {
            value, FormEncoded(value), Uri.EscapeDataString(value), Base64(value), HtmlEntities(value), JsonEscaped(value),
        };

        private static string AllText(Exception e)
        {
            var text = new StringBuilder(e.ToString());
            for (Exception? x = e; x != null; x = x.InnerException)
            {
                text.Append('\n').Append(x.Message);
                if (x is OneStoreApiException api) text.Append('\n').Append(api.ServerMessage).Append('\n').Append(api.Code);
            }
            return text.ToString();
        }

        private static void AssertClean(string text, string shape)
        {
            foreach (string value in new[] { Secret, Token })
            {
                foreach (string form in Forms(value))
                {
                    Assert.False(text.Contains(form, StringComparison.Ordinal), $"{shape}: '{form}' reached the exception text: {text}");
                }
                // Decoded views too: what a reader could decode by hand must not hold it either.
                Assert.DoesNotContain(value, WebUtility.UrlDecode(text));
                Assert.DoesNotContain(value, WebUtility.HtmlDecode(text));
            }
            Assert.DoesNotMatch("(?i)bearer\\s+(?!\\[redacted\\])[A-Za-z0-9]", text);
        }

        private static HttpResponseMessage Reply(int status, string body, string mediaType)
        {
            var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
            response.Content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
            return response;
        }

        /// <summary>Token replies: each echoes the token request (the form with the secret) or the secret itself.</summary>
        public static IEnumerable<object[]> TokenShapes() => new[]
        {
            new object[] { "JSON error message", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                TestHandler.Json(401, "{\"error\":{\"code\":\"UnauthorizedAccess\",\"message\":\"client_secret " + Secret + " is not valid\"}}")) },
            new object[] { "form-encoded echo", (Func<SeenRequest, HttpResponseMessage>)(r => Reply(400, "you sent: " + r.Body, "text/plain")) },
            new object[] { "HTML", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                Reply(502, "<html><body><p>Bad gateway for " + HtmlEntities(Secret) + "</p></body></html>", "text/html")) },
            new object[] { "base64", (Func<SeenRequest, HttpResponseMessage>)(r => Reply(500, "request=" + Base64(r.Body), "text/plain")) },
            new object[] { "OAuth error", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                TestHandler.Json(401, "{\"error\":\"invalid_client\",\"error_description\":\"Unknown secret " + JsonEscaped(Secret) + "\"}")) },
            new object[] { "JSON without the error code", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                TestHandler.Json(400, "{\"detail\":\"" + Secret + "\"}")) },
            new object[] { "200 with an error body", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                TestHandler.Json(200, "{\"error\":{\"code\":\"" + Secret + "\",\"message\":\"" + FormEncoded(Secret) + "\"}}")) },
            new object[] { "network failure quoting the reply", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                throw new HttpRequestException("Received an invalid header line: 'X-Echo: " + Secret + "'",
                    new System.IO.IOException("X-Echo: " + Secret))) },
        };

        [Theory]
        [MemberData(nameof(TokenShapes))]
        public async Task TokenRepliesThatEchoTheSecretLeaveNoTraceOfIt(string shape, Func<SeenRequest, HttpResponseMessage> reply)
        {
            var handler = new TestHandler { Token = r => Task.FromResult(reply(r)) };
            using var client = Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConnectAsync());

            Assert.Equal(1, handler.TokenRequests);
            Assert.Contains("[redacted]", AllText(e));
            AssertClean(AllText(e), shape);
        }

        /// <summary>API replies: each echoes the bearer token (and the Authorization header) back.</summary>
        public static IEnumerable<object[]> ApiShapes() => new[]
        {
            new object[] { "JSON error message", (Func<SeenRequest, HttpResponseMessage>)(r =>
                TestHandler.Json(400, "{\"error\":{\"code\":\"InvalidRequest\",\"message\":\"Authorization: " + r.Header("Authorization") + "\"}}")) },
            new object[] { "plain text", (Func<SeenRequest, HttpResponseMessage>)(r => Reply(404, "no route for " + Token + " here", "text/plain")) },
            new object[] { "HTML", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                Reply(503, "<html><script>var t=\"" + JsonEscaped(Token) + "\";</script><b>" + HtmlEntities(Token) + "</b></html>", "text/html")) },
            new object[] { "form-encoded echo", (Func<SeenRequest, HttpResponseMessage>)(r =>
                Reply(400, "authorization=" + FormEncoded(r.Header("Authorization")) + "&x=1", "application/x-www-form-urlencoded")) },
            new object[] { "base64", (Func<SeenRequest, HttpResponseMessage>)(r =>
                TestHandler.Json(200, "{\"echo\":\"" + Base64("Authorization: " + r.Header("Authorization")) + "\"}")) },
            new object[] { "header echo", (Func<SeenRequest, HttpResponseMessage>)(_ => Reply(400, "nope", "application/x-" + Token)) },
            new object[] { "error code echo", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                TestHandler.Json(401, "{\"error\":{\"code\":\"" + Token + "\",\"message\":\"Bearer " + Token + "\"}}")) },
            new object[] { "Bearer of another token", (Func<SeenRequest, HttpResponseMessage>)(_ =>
                TestHandler.Json(400, "{\"code\":\"InvalidRequest\",\"message\":\"expected Bearer abcdefSECRETTOKEN, got another\"}")) },
        };

        [Theory]
        [MemberData(nameof(ApiShapes))]
        public async Task ApiRepliesThatEchoTheTokenLeaveNoTraceOfIt(string shape, Func<SeenRequest, HttpResponseMessage> reply)
        {
            var handler = new TestHandler
            {
                Token = _ => Task.FromResult(TestHandler.Json(200, "{\"access_token\":\"" + Token + "\",\"expires_in\":3600}")),
                Api = r => Task.FromResult(reply(r)),
            };
            using var client = Create(handler);

            var lookup = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));
            var consume = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));

            Assert.Equal("Bearer " + Token, handler.ApiRequests[0].Header("Authorization"));
            foreach (var e in new[] { lookup, consume })
            {
                Assert.Contains("[redacted]", AllText(e));
                AssertClean(AllText(e), shape);
                Assert.DoesNotContain("abcdefSECRETTOKEN", AllText(e));
            }
        }

        [Fact]
        public async Task ASuccessMessageThatEchoesTheTokenIsScrubbed()
        {
            var handler = new TestHandler
            {
                Token = _ => Task.FromResult(TestHandler.Json(200, "{\"access_token\":\"" + Token + "\",\"expires_in\":3600}")),
                Api = _ => Task.FromResult(TestHandler.Json(200, "{\"result\":{\"code\":\"Success\",\"message\":\"done for " + Token + "\"}}")),
            };
            using var client = Create(handler);

            OperationReply reply = await client.ConsumeAsync("p", "T", null);

            Assert.Equal("done for [redacted]", reply.Message);
        }

        [Theory]
        [InlineData(' ')]
        [InlineData('\n')]
        public async Task ASecretCutInTwoByTheExcerptsWindowLeavesNoHalf(char filler)
        {
            // Whitespace collapses, so the window's end can reach the excerpt: the half of the secret inside the
            // window must not be shown.
            for (int shift = 4; shift < Secret.Length; shift++)
            {
                string body = new string(filler, 16 * 1024 - shift) + Secret + new string('y', 300);
                var handler = new TestHandler { Token = _ => Task.FromResult(Reply(500, body, "text/plain")) };
                using var client = Create(handler);

                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConnectAsync());

                string text = AllText(e);
                Assert.DoesNotContain(Secret.Substring(0, 4), text);
                Assert.DoesNotContain(Secret.Substring(shift - 4, 4), text);
            }
        }

        [Fact]
        public void TextWithoutSecretsIsUnchanged()
        {
            var scrubber = new ServerTextScrubber(TestClient.Secure(Secret));
            scrubber.AddToken(Token);
            const string text = "ONE store answered NoSuchData: The requested data could not be found (a+b%20c &amp; \\u0041 QUJDREVGR0g=).";

            Assert.Equal(text, scrubber.Scrub(text));
        }
    }
}
