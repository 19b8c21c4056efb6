using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine.Json;

namespace OneStoreIap.Engine
{
    // Tokens: issued with the client credentials grant (spec: ONE store OAuth), cached and renewed in TokenCache.
    public sealed partial class OneStoreClient
    {
        private const string FormMediaType = "application/x-www-form-urlencoded";

        /// <summary>
        /// Issues a token now (not from the cache) and caches it: Connect-OneStore uses it so bad credentials fail at
        /// once. The spec's server hands back the same token while more than 600 s remain, so this is cheap.
        /// </summary>
        public async Task<AccessTokenInfo> ConnectAsync(Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default)
        {
            AccessTokenInfo token = await IssueTokenWithRetriesAsync(log, cancellationToken).ConfigureAwait(false);
            _tokens.Store(token);
            return token;
        }

        /// <summary>
        /// Remembers a token this connection sends (it may come from the shared cache, issued by another connection to
        /// the same app), so that server text echoing it is scrubbed. A reference check: nothing on the usual path.
        /// </summary>
        private void NoteToken(AccessTokenInfo token)
        {
            if (ReferenceEquals(Volatile.Read(ref _lastTokenSeen), token)) return;
            _scrubber.AddToken(token.Value);
            Volatile.Write(ref _lastTokenSeen, token);
        }

        private Task<AccessTokenInfo> GetTokenAsync(Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) =>
            _tokens.GetAsync(() => IssueTokenWithRetriesAsync(log, CancellationToken.None), _time.GetUtcNow(), cancellationToken);

        private async Task<AccessTokenInfo> IssueTokenWithRetriesAsync(Action<OneStoreRequestLog>? log, CancellationToken cancellationToken)
        {
            var call = new CallState(HttpMethod.Post, TokenPath, log);
            byte[] body = await WithRetriesAsync(call, null, cancellationToken).ConfigureAwait(false);

            TokenReply? reply = Deserialize(body, OneStoreJsonContext.Default.TokenReply, call);
            if (reply == null || string.IsNullOrEmpty(reply.AccessToken))
                throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                    "ONE store's token reply has no access_token.", 200);

            // From now on an echo of this token is scrubbed from server text.
            _scrubber.AddToken(reply.AccessToken);
            // The spec's default lifetime is 3,600 s.
            long lifetimeSeconds = reply.ExpiresIn is long s && s > 0 ? s : 3600;
            TimeSpan lifetime = TimeSpan.FromSeconds(lifetimeSeconds);
            DateTimeOffset now = _time.GetUtcNow();
            return new AccessTokenInfo(reply.AccessToken!, now + lifetime, now + lifetime - RenewalMargin(lifetime));
        }

        /// <summary>
        /// How long before expiry a token is renewed: the spec's 600 s (a token request gets a new token only when less
        /// than 600 s remain, so renewing earlier would only get the same token back), but never more than a quarter of
        /// the lifetime, so that short-lived tokens (a test server's, say) are used for most of their life rather than
        /// renewed on every call.
        /// </summary>
        internal static TimeSpan RenewalMargin(TimeSpan lifetime)
        {
            TimeSpan quarter = TimeSpan.FromTicks(lifetime.Ticks / 4);
            TimeSpan spec = TimeSpan.FromSeconds(600);
            return quarter < spec ? quarter : spec;
        }

        private HttpRequestMessage CreateTokenRequest(CallState call)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _origin + _basePath + call.Path);
            request.Headers.TryAddWithoutValidation(MarketHeader, _options.MarketCode);
            byte[] form = BuildTokenForm();
            call.SensitiveBody = form;
            var content = new ByteArrayContent(form);
            content.Headers.ContentType = new MediaTypeHeaderValue(FormMediaType);
            request.Content = content;
            return request;
        }

        /// <summary>
        /// <c>grant_type=client_credentials&amp;client_id=..&amp;client_secret=..</c>, form-encoded straight from the
        /// SecureString into a byte array: the secret never becomes a managed string, and its plain copies are wiped
        /// as soon as the request is sent.
        /// </summary>
        private byte[] BuildTokenForm()
        {
            var buffer = new List<byte>(128);
            AppendAscii(buffer, "grant_type=client_credentials&client_id=");
            AppendFormEncoded(buffer, _options.ClientId.ToCharArray());
            AppendAscii(buffer, "&client_secret=");

            IntPtr plain = IntPtr.Zero;
            char[] chars = new char[_options.ClientSecret.Length];
            try
            {
                plain = Marshal.SecureStringToGlobalAllocUnicode(_options.ClientSecret);
                Marshal.Copy(plain, chars, 0, chars.Length);
                AppendFormEncoded(buffer, chars);
                return buffer.ToArray();
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
                if (plain != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(plain);
                // List<byte>'s backing array may hold the secret: overwrite it before letting it go.
                for (int i = 0; i < buffer.Count; i++) buffer[i] = 0;
            }
        }

        private static void AppendAscii(List<byte> buffer, string text)
        {
            foreach (char c in text) buffer.Add((byte)c);
        }

        /// <summary>application/x-www-form-urlencoded: unreserved characters as they are, space as '+', the rest %XX of UTF-8.</summary>
        internal static void AppendFormEncoded(List<byte> buffer, char[] chars)
        {
            const string hex = "0123456789ABCDEF";
            byte[] utf8 = new byte[4];
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
                {
                    buffer.Add((byte)c);
                    continue;
                }
                if (c == ' ')
                {
                    buffer.Add((byte)'+');
                    continue;
                }
                int count;
                if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    count = Encoding.UTF8.GetBytes(chars, i, 2, utf8, 0);
                    i++;
                }
                else
                {
                    count = Encoding.UTF8.GetBytes(chars, i, 1, utf8, 0);
                }
                for (int b = 0; b < count; b++)
                {
                    buffer.Add((byte)'%');
                    buffer.Add((byte)hex[utf8[b] >> 4]);
                    buffer.Add((byte)hex[utf8[b] & 0xF]);
                }
                Array.Clear(utf8, 0, utf8.Length);
            }
        }

    }
}
