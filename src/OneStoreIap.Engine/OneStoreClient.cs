using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine.Json;
using Polly;
using Polly.Retry;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// One connection to the ONE store IAP Server API v7: one pooled HttpClient, the shared token cache, and one
    /// choke point (<see cref="SendAsync"/>) that every API call goes through for tokens, retries, timeouts, size
    /// limits, error mapping and logging. Thread-safe: many calls may run at once.
    /// </summary>
    public sealed class OneStoreClient : IDisposable
    {
        private const string MarketHeader = "x-market-code";
        private const string JsonMediaType = "application/json";
        private const string FormMediaType = "application/x-www-form-urlencoded";

        // .NET Framework's HttpWebRequest refuses a body on GET; there the required Content-Type cannot be sent on GETs.
        private static readonly bool CanSendBodyOnGet =
            !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        private readonly OneStoreClientOptions _options;
        private readonly HttpClient _http;
        private readonly TokenSlot _tokens;
        private readonly TimeProvider _time;
        private readonly ResiliencePipeline _retry;
        private readonly string _origin;
        private readonly string _basePath;
        private readonly string _escapedClientId;
        private long _retries;
        private int _disposed;

        public OneStoreClient(OneStoreClientOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            OneStoreClientOptions.ValidateBaseUri(options.BaseUri);
            OneStoreInput.ValidateClientId(options.ClientId);
            OneStoreInput.ValidateMarketCode(options.MarketCode);

            _time = options.TimeProvider;
            _origin = options.BaseUri.GetLeftPart(UriPartial.Authority);
            _basePath = options.BaseUri.AbsolutePath.TrimEnd('/');
            _escapedClientId = Uri.EscapeDataString(options.ClientId);
            _tokens = (options.TokenCache ?? TokenCache.Shared).GetSlot(options.BaseUri, options.ClientId, options.MarketCode);

            HttpMessageHandler handler = options.Handler ?? CreateHandler(options.MaxConnectionsPerServer);
            _http = new HttpClient(handler, disposeHandler: options.Handler == null)
            {
                // The timeout is per attempt (each SendAsync), so that a timeout is retried and reported as such; HttpClient
                // times the wait for the reply's headers, and ReadBodyAsync what is left of it for the body.
                Timeout = options.RequestTimeout,
            };
            _retry = BuildRetryPipeline(options);
        }

        public string ClientId => _options.ClientId;
        public string MarketCode => _options.MarketCode;
        public Uri BaseUri => _options.BaseUri;
        public OneStoreClientOptions Options => _options;

        /// <summary>When the cached token expires, if there is one.</summary>
        public DateTimeOffset? TokenExpiresOn => _tokens.Current?.ExpiresOn;

        /// <summary>How many retries this client has made.</summary>
        public long RetryCount => Interlocked.Read(ref _retries);

        private static HttpMessageHandler CreateHandler(int maxConnections)
        {
            // On .NET Core HttpClientHandler is backed by SocketsHttpHandler: pooled keep-alive connections.
            var handler = new HttpClientHandler
            {
                // Never follow a redirect: it could carry the Authorization header, or the secret, to another host.
                AllowAutoRedirect = false,
                UseCookies = false,
                // No Accept-Encoding: the API's replies are a few hundred bytes of JSON, and the spec documents no compression.
                AutomaticDecompression = DecompressionMethods.None,
            };
            try
            {
                handler.MaxConnectionsPerServer = Math.Max(2, maxConnections);
            }
            catch (PlatformNotSupportedException)
            {
                // Older frameworks: the default pool applies.
            }
            return handler;
        }

        /// <summary>
        /// The retry pipeline around every attempt (Polly): transient failures only (503, 500, 502, 504, 429, network
        /// failures and per-attempt timeouts, as <see cref="OneStoreApiException.IsTransient"/> says), up to
        /// MaxRetryCount times, waiting base delay x 2^n with jitter, capped at RetryMaxDelay; a Retry-After from the
        /// server is honoured within the same cap. Waits run on the connection's TimeProvider, so tests use a fake clock,
        /// and are cancelled by the caller's token (Ctrl+C).
        /// </summary>
        private ResiliencePipeline BuildRetryPipeline(OneStoreClientOptions options)
        {
            var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
            if (options.MaxRetryCount > 0)
            {
                TimeSpan maxDelay = options.RetryMaxDelay > TimeSpan.Zero ? options.RetryMaxDelay : TimeSpan.FromSeconds(30);
                builder.AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<OneStoreApiException>(e => e.IsTransient),
                    MaxRetryAttempts = options.MaxRetryCount,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = maxDelay,
                    DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfterDelay(args.Outcome.Exception, maxDelay)),
                    OnRetry = _ =>
                    {
                        Interlocked.Increment(ref _retries);
                        return default;
                    },
                });
            }
            return builder.Build();
        }

        /// <summary>What the server's Retry-After asks, within the longest wait we accept; null lets the backoff decide.</summary>
        internal static TimeSpan? RetryAfterDelay(Exception? failure, TimeSpan maxDelay) =>
            failure is OneStoreApiException { RetryAfter: TimeSpan after } ? (after < maxDelay ? after : maxDelay) : null;

        /// <summary>
        /// One attempt outside the retry pipeline, which most calls never need; a transient failure hands over to the
        /// pipeline, whose first attempt replays that failure, so delays, Retry-After and the retry count stay as
        /// configured.
        /// </summary>
        private async Task<byte[]> WithRetriesAsync(CallState call, AccessTokenInfo? token, CancellationToken cancellationToken)
        {
            try
            {
                return await SendOnceAsync(call, token, cancellationToken).ConfigureAwait(false);
            }
            catch (OneStoreApiException e) when (e.IsTransient && _options.MaxRetryCount > 0)
            {
                return await RetryAsync(call, token, ExceptionDispatchInfo.Capture(e), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>The retry pipeline, after a first attempt failed with <paramref name="failure"/>.</summary>
        private Task<byte[]> RetryAsync(CallState call, AccessTokenInfo? token, ExceptionDispatchInfo failure, CancellationToken cancellationToken)
        {
            var replay = new ReplayFirst(this, call, token, failure);
            return _retry.ExecuteAsync(
                static async (state, ct) => await state.NextAsync(ct).ConfigureAwait(false),
                replay, cancellationToken).AsTask();
        }

        private sealed class ReplayFirst
        {
            private readonly OneStoreClient _client;
            private readonly CallState _call;
            private readonly AccessTokenInfo? _token;
            private ExceptionDispatchInfo? _first;

            public ReplayFirst(OneStoreClient client, CallState call, AccessTokenInfo? token, ExceptionDispatchInfo first)
            {
                _client = client;
                _call = call;
                _token = token;
                _first = first;
            }

            public Task<byte[]> NextAsync(CancellationToken cancellationToken)
            {
                ExceptionDispatchInfo? first = Interlocked.Exchange(ref _first, null);
                if (first != null) first.Throw();
                return _client.SendOnceAsync(_call, _token, cancellationToken);
            }
        }

        // ---- Tokens ----------------------------------------------------------------------------------------------

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

        private Task<AccessTokenInfo> GetTokenAsync(Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) =>
            _tokens.GetAsync(() => IssueTokenWithRetriesAsync(log, CancellationToken.None), _time.GetUtcNow(), cancellationToken);

        private async Task<AccessTokenInfo> IssueTokenWithRetriesAsync(Action<OneStoreRequestLog>? log, CancellationToken cancellationToken)
        {
            var call = new CallState(HttpMethod.Post, "/v7/oauth/token", log);
            byte[] body = await WithRetriesAsync(call, null, cancellationToken).ConfigureAwait(false);

            TokenReply? reply = Deserialize(body, OneStoreJsonContext.Default.TokenReply, call);
            if (reply == null || string.IsNullOrEmpty(reply.AccessToken))
                throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                    "ONE store's token reply has no access_token.", 200);

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

        // ---- The API ---------------------------------------------------------------------------------------------

        /// <summary>getPurchaseDetails, getRecurringPurchaseDetails or getSubscriptionDetail, by <paramref name="kind"/>.</summary>
        public async Task<object> GetPurchaseAsync(ProductKind kind, string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default)
        {
            switch (kind)
            {
                case ProductKind.Auto: return await GetRecurringPurchaseAsync(productId, purchaseToken, log, cancellationToken).ConfigureAwait(false);
                case ProductKind.Subscription: return await GetSubscriptionAsync(productId, purchaseToken, log, cancellationToken).ConfigureAwait(false);
                default: return await GetInAppPurchaseAsync(productId, purchaseToken, log, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>getPurchaseDetails: GET /v7/apps/{clientId}/purchases/inapp/products/{productId}/{purchaseToken}.</summary>
        public Task<InAppPurchaseDetails> GetInAppPurchaseAsync(string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            GetDetailsAsync("inapp", productId, purchaseToken, OneStoreJsonContext.Default.InAppPurchaseDetails, log, cancellationToken);

        /// <summary>getRecurringPurchaseDetails: GET /v7/apps/{clientId}/purchases/auto/products/{productId}/{purchaseToken}.</summary>
        public Task<RecurringPurchaseDetails> GetRecurringPurchaseAsync(string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            GetDetailsAsync("auto", productId, purchaseToken, OneStoreJsonContext.Default.RecurringPurchaseDetails, log, cancellationToken);

        /// <summary>getSubscriptionDetail: GET /v7/apps/{clientId}/purchases/subscription/products/{productId}/{purchaseToken}.</summary>
        public Task<SubscriptionDetails> GetSubscriptionAsync(string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            GetDetailsAsync("subscription", productId, purchaseToken, OneStoreJsonContext.Default.SubscriptionDetails, log, cancellationToken);

        private async Task<T> GetDetailsAsync<T>(string kind, string productId, string purchaseToken, JsonTypeInfo<T> typeInfo,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken) where T : class
        {
            OneStoreInput.ValidateProductId(productId);
            OneStoreInput.ValidatePurchaseToken(purchaseToken);
            var call = new CallState(HttpMethod.Get, PurchasePath(kind, productId, purchaseToken, null), log);
            byte[] body = await SendAsync(call, cancellationToken).ConfigureAwait(false);
            T? details = Deserialize(body, typeInfo, call);
            if (details == null) throw EmptyReply(call);
            if (!Identifies(details))
                throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                    $"ONE store's reply to {call.Method} {call.Path} (HTTP 200) has none of the fields that identify a purchase; it is not one. The reply begins: '{Excerpt(body)}'", 200);
            return details;
        }

        /// <summary>
        /// Whether a lookup's reply describes a purchase: a 200 of <c>{}</c> (or of another shape) must not pass for a
        /// purchase whose every field is null. Tolerant, as older replies miss fields: any one of the fields that each
        /// lookup's response table gives the purchase's identity or state will do (getPurchaseDetails: purchaseId,
        /// purchaseState, purchaseTime, consumptionState, acknowledgeState; getRecurringPurchaseDetails: startTime,
        /// expiryTime, lastPurchaseId, lastPurchaseState, acknowledgeState, autoRenewing; getSubscriptionDetail:
        /// startTimeMillis, expiryTimeMillis, lastPurchaseId, acknowledgementState, autoRenewing).
        /// </summary>
        private static bool Identifies(object details) => details switch
        {
            InAppPurchaseDetails p => !string.IsNullOrEmpty(p.PurchaseId) || p.PurchaseState != null || p.PurchaseTime != null
                || p.ConsumptionState != null || p.AcknowledgeState != null,
            RecurringPurchaseDetails p => p.StartTime != null || p.ExpiryTime != null || !string.IsNullOrEmpty(p.LastPurchaseId)
                || p.LastPurchaseState != null || p.AcknowledgeState != null || p.AutoRenewing != null,
            SubscriptionDetails p => p.StartTimeMillis != null || p.ExpiryTimeMillis != null || !string.IsNullOrEmpty(p.LastPurchaseId)
                || p.AcknowledgementState != null || p.AutoRenewing != null,
            _ => true,
        };

        /// <summary>acknowledgePurchase: POST /v7/apps/{clientId}/purchases/all/products/{productId}/{purchaseToken}/acknowledge.</summary>
        public async Task<OperationReply> AcknowledgeAsync(string productId, string purchaseToken, string? developerPayload,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default)
        {
            OneStoreInput.ValidateProductId(productId);
            OneStoreInput.ValidatePurchaseToken(purchaseToken);
            OneStoreInput.ValidateDeveloperPayload(developerPayload);
            var call = new CallState(HttpMethod.Post, PurchasePath("all", productId, purchaseToken, "acknowledge"), log)
            {
                Body = PayloadBody(developerPayload),
            };
            return await ChangeAsync(call, ct => IsAcknowledgedAsync(productId, purchaseToken, log, ct), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Whether the purchase is acknowledged now. The acknowledge route serves every type and the caller does not say
        /// which, so each type's lookup is tried in turn: a purchase of another type is NoSuchData on a lookup route.
        /// </summary>
        private async Task<bool> IsAcknowledgedAsync(string productId, string purchaseToken, Action<OneStoreRequestLog>? log, CancellationToken cancellationToken)
        {
            // acknowledgePurchase serves every type: try in-app, then auto-renewal, then subscription.
            try
            {
                InAppPurchaseDetails inApp = await GetInAppPurchaseAsync(productId, purchaseToken, log, cancellationToken).ConfigureAwait(false);
                return inApp.AcknowledgeState == 1 || inApp.ConsumptionState == 1;
            }
            catch (OneStoreApiException e) when (e.Code == OneStoreErrorCodes.NoSuchData)
            {
            }
            try
            {
                RecurringPurchaseDetails auto = await GetRecurringPurchaseAsync(productId, purchaseToken, log, cancellationToken).ConfigureAwait(false);
                return auto.AcknowledgeState == 1;
            }
            catch (OneStoreApiException e) when (e.Code == OneStoreErrorCodes.NoSuchData)
            {
            }
            SubscriptionDetails subscription = await GetSubscriptionAsync(productId, purchaseToken, log, cancellationToken).ConfigureAwait(false);
            return subscription.AcknowledgementState == 1;
        }

        /// <summary>consumePurchase: POST /v7/apps/{clientId}/purchases/inapp/products/{productId}/{purchaseToken}/consume.</summary>
        public async Task<OperationReply> ConsumeAsync(string productId, string purchaseToken, string? developerPayload,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default)
        {
            OneStoreInput.ValidateProductId(productId);
            OneStoreInput.ValidatePurchaseToken(purchaseToken);
            OneStoreInput.ValidateDeveloperPayload(developerPayload);
            var call = new CallState(HttpMethod.Post, PurchasePath("inapp", productId, purchaseToken, "consume"), log)
            {
                Body = PayloadBody(developerPayload),
            };
            return await ChangeAsync(call, async ct =>
                (await GetInAppPurchaseAsync(productId, purchaseToken, log, ct).ConfigureAwait(false)).ConsumptionState == 1,
                cancellationToken).ConfigureAwait(false);
        }

        /// <summary>cancelRecurringPurchase (Auto) or cancelSubscription (Subscription).</summary>
        public Task<OperationReply> CancelAsync(ProductKind kind, string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            RecurringOperationAsync(kind, productId, purchaseToken, "cancel", log, cancellationToken);

        /// <summary>reactiveRecurringPurchase (Auto) or reactivateSubscription (Subscription).</summary>
        public Task<OperationReply> ReactivateAsync(ProductKind kind, string productId, string purchaseToken,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            RecurringOperationAsync(kind, productId, purchaseToken, "reactivate", log, cancellationToken);

        private async Task<OperationReply> RecurringOperationAsync(ProductKind kind, string productId, string purchaseToken, string action,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken)
        {
            if (kind == ProductKind.InApp)
                throw new ArgumentOutOfRangeException(nameof(kind), "Only auto-renewal and subscription purchases can be cancelled or reactivated.");
            OneStoreInput.ValidateProductId(productId);
            OneStoreInput.ValidatePurchaseToken(purchaseToken);
            string segment = kind == ProductKind.Auto ? "auto" : "subscription";
            // The spec's request bodies are N/A here; an empty object carries the required Content-Type.
            var call = new CallState(HttpMethod.Post, PurchasePath(segment, productId, purchaseToken, action), log) { Body = EmptyObject };
            // Applied when autoRenewing says so: false after a cancel, true after a reactivate (both lookups' tables).
            bool renewingWhenApplied = action == "reactivate";
            return await ChangeAsync(call, async ct =>
            {
                bool? renewing = kind == ProductKind.Auto
                    ? (await GetRecurringPurchaseAsync(productId, purchaseToken, log, ct).ConfigureAwait(false)).AutoRenewing
                    : (await GetSubscriptionAsync(productId, purchaseToken, log, ct).ConfigureAwait(false)).AutoRenewing;
                return renewing == renewingWhenApplied;
            }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>deferSubscription: POST .../subscription/products/{productId}/{purchaseToken}/defer with <c>{"deferPeriod":n}</c>.</summary>
        public async Task<OperationReply> DeferSubscriptionAsync(string productId, string purchaseToken, int deferPeriod,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default)
        {
            OneStoreInput.ValidateProductId(productId);
            OneStoreInput.ValidatePurchaseToken(purchaseToken);
            OneStoreInput.ValidateDeferPeriod(deferPeriod);
            var call = new CallState(HttpMethod.Post, PurchasePath("subscription", productId, purchaseToken, "defer"), log)
            {
                // Each defer that arrives moves the payment again: never repeat one that may have arrived.
                SafeToRepeat = false,
                Body = Encoding.UTF8.GetBytes("{\"deferPeriod\":" + deferPeriod.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}"),
            };
            // No check can tell whether a lost defer arrived (the payment date alone does not say by how much it moved).
            return await ChangeAsync(call, null, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>getVoidedPurchases: one page, read and parsed.</summary>
        public async Task<PurchaseListPage<VoidedPurchaseItem>> GetVoidedPurchasesPageAsync(PurchaseListQuery query,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            ParseVoidedPurchasesPage(await FetchVoidedPurchasesPageAsync(query, log, cancellationToken).ConfigureAwait(false));

        /// <summary>
        /// getVoidedPurchases: one page, read but not parsed; when the reply starts with its continuation key
        /// (<see cref="PurchaseListReply.EarlyContinuationKey"/>), a streaming caller can ask for the next page while it
        /// parses this one (<see cref="ParseVoidedPurchasesPage"/>).
        /// </summary>
        public Task<PurchaseListReply> FetchVoidedPurchasesPageAsync(PurchaseListQuery query,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            FetchListPageAsync("voided-purchases", query, log, cancellationToken);

        /// <summary>The rows of a page from <see cref="FetchVoidedPurchasesPageAsync"/>.</summary>
        public PurchaseListPage<VoidedPurchaseItem> ParseVoidedPurchasesPage(PurchaseListReply reply) =>
            ParseListPage(reply, OneStoreJsonContext.Default.VoidedPage, p => (p.VoidedPurchaseList, p.VoidedPurchaseListSpaced, p.ContinuationKey));

        /// <summary>getUnconfirmedPurchases: one page, read and parsed.</summary>
        public async Task<PurchaseListPage<UnconfirmedPurchaseItem>> GetUnconfirmedPurchasesPageAsync(PurchaseListQuery query,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            ParseUnconfirmedPurchasesPage(await FetchUnconfirmedPurchasesPageAsync(query, log, cancellationToken).ConfigureAwait(false));

        /// <summary>getUnconfirmedPurchases: one page, read but not parsed (see <see cref="FetchVoidedPurchasesPageAsync"/>).</summary>
        public Task<PurchaseListReply> FetchUnconfirmedPurchasesPageAsync(PurchaseListQuery query,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) =>
            FetchListPageAsync("unconfirmed-purchases", query, log, cancellationToken);

        /// <summary>The rows of a page from <see cref="FetchUnconfirmedPurchasesPageAsync"/>.</summary>
        public PurchaseListPage<UnconfirmedPurchaseItem> ParseUnconfirmedPurchasesPage(PurchaseListReply reply) =>
            ParseListPage(reply, OneStoreJsonContext.Default.UnconfirmedPage, p => (p.UnconfirmedPurchaseList, p.UnconfirmedPurchaseListSpaced, p.ContinuationKey));

        /// <summary>
        /// getVoidedPurchases, every page from <paramref name="query"/>'s continuationKey (or the window's start), each
        /// row turned into the caller's object by <paramref name="map"/> off the caller's thread (see <see cref="PurchasePager{T}"/>).
        /// </summary>
        public PurchasePager<T> ListVoidedPurchases<T>(PurchaseListQuery query, Func<VoidedPurchaseItem, T> map,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) where T : class
        {
            ValidateListQuery(query);
            return new PurchasePager<T>("voided purchases", query,
                (q, ct) => FetchVoidedPurchasesPageAsync(q, log, ct),
                reply => MapPage(ParseVoidedPurchasesPage(reply), map), cancellationToken);
        }

        /// <summary>getUnconfirmedPurchases, every page (see <see cref="ListVoidedPurchases{T}"/>).</summary>
        public PurchasePager<T> ListUnconfirmedPurchases<T>(PurchaseListQuery query, Func<UnconfirmedPurchaseItem, T> map,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default) where T : class
        {
            ValidateListQuery(query);
            return new PurchasePager<T>("unconfirmed purchases", query,
                (q, ct) => FetchUnconfirmedPurchasesPageAsync(q, log, ct),
                reply => MapPage(ParseUnconfirmedPurchasesPage(reply), map), cancellationToken);
        }

        private static (T[] Items, string? ContinuationKey) MapPage<TItem, T>(PurchaseListPage<TItem> page, Func<TItem, T> map)
        {
            var items = new T[page.Items.Count];
            for (int i = 0; i < items.Length; i++) items[i] = map(page.Items[i]);
            return (items, page.ContinuationKey);
        }

        /// <summary>A list page's rows: under the tables' key and under the examples' key with a trailing space, merged.</summary>
        private static PurchaseListPage<TItem> ParseListPage<TPage, TItem>(PurchaseListReply reply, JsonTypeInfo<TPage> typeInfo,
            Func<TPage, (List<TItem?>? Plain, List<TItem?>? Spaced, string? Key)> parts) where TPage : class where TItem : class
        {
            CallState call = reply.Call;
            TPage page = Deserialize(reply.Body, typeInfo, call) ?? throw EmptyReply(call);
            var (plain, spaced, key) = parts(page);
            return new PurchaseListPage<TItem>(Merge(plain, spaced), key);
        }

        private async Task<PurchaseListReply> FetchListPageAsync(string list, PurchaseListQuery query,
            Action<OneStoreRequestLog>? log, CancellationToken cancellationToken)
        {
            var call = new CallState(HttpMethod.Get, ListPath(list, query), log);
            byte[] body = await SendAsync(call, cancellationToken).ConfigureAwait(false);
            if (body.Length == 0) throw EmptyReply(call);
            return new PurchaseListReply(body, call, PeekContinuationKey(body));
        }

        /// <summary>
        /// The continuationKey of a list page when it is the page's first property, as in the spec's examples (and the
        /// emulator's replies): read without going through the rows, so the next page can be asked for while this one is
        /// parsed. Anywhere else, or not a string: null, and the page is parsed before the next one is asked for. Only a
        /// hint: the parsed page's key decides (spec, getVoidedPurchases/getUnconfirmedPurchases: one continuationKey per
        /// reply; a reply with two is followed by the last, as the parser reads it).
        /// </summary>
        internal static string? PeekContinuationKey(byte[] body)
        {
            try
            {
                var reader = new Utf8JsonReader(body);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return null;
                if (!string.Equals(reader.GetString(), "continuationKey", StringComparison.OrdinalIgnoreCase)) return null;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) return null;
                return reader.GetString();
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static IReadOnlyList<T> Merge<T>(List<T?>? plain, List<T?>? spaced) where T : class
        {
            var items = new List<T>();
            if (plain != null) foreach (T? item in plain) if (item != null) items.Add(item);
            if (spaced != null) foreach (T? item in spaced) if (item != null) items.Add(item);
            return items;
        }

        /// <summary>
        /// Any route, present or future: <paramref name="path"/> is relative to the connection's host (e.g.
        /// <c>/v7/apps/{clientId}/voided-purchases</c>; <c>{clientId}</c> is filled in), the token and market header are
        /// applied, and the JSON reply comes back as plain values (<see cref="JsonTree"/>); an empty reply is null.
        /// </summary>
        public async Task<object?> SendRawAsync(string method, string path, IEnumerable<KeyValuePair<string, string?>>? query, byte[]? jsonBody,
            Action<OneStoreRequestLog>? log = null, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrWhiteSpace(method)) throw new ArgumentException("A method is required.", nameof(method));
            string relative = BuildRawPath(path, query);
            var call = new CallState(new HttpMethod(method.ToUpperInvariant()), relative, log) { Body = jsonBody };
            byte[] body = await SendAsync(call, cancellationToken).ConfigureAwait(false);
            if (body.Length == 0) return null;
            try
            {
                return JsonTree.Parse(body);
            }
            catch (JsonException e)
            {
                throw NotJson(call, 200, null, body, e);
            }
        }

        private string BuildRawPath(string path, IEnumerable<KeyValuePair<string, string?>>? query)
        {
            if (string.IsNullOrWhiteSpace(path) || path[0] != '/' || path.StartsWith("//", StringComparison.Ordinal)
                || path.IndexOf("://", StringComparison.Ordinal) >= 0 || OneStoreInput.HasControlCharacter(path)
                || path.IndexOf('#') >= 0)
            {
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidPath,
                    $"The path '{Sanitize(path ?? "", 100)}' must be relative to the connection's host and start with '/', e.g. /v7/apps/{{clientId}}/voided-purchases.");
            }
            string filled = path.Replace("{clientId}", _escapedClientId);
            var builder = new StringBuilder(filled);
            if (query != null)
            {
                bool first = filled.IndexOf('?') < 0;
                foreach (var pair in query)
                {
                    builder.Append(first ? '?' : '&');
                    first = false;
                    builder.Append(Uri.EscapeDataString(pair.Key));
                    if (pair.Value != null) builder.Append('=').Append(Uri.EscapeDataString(pair.Value));
                }
            }
            string result = builder.ToString();
            // The result must stay on the connection's host: a token must never be sent elsewhere.
            var absolute = new Uri(_origin + _basePath + result);
            if (!string.Equals(absolute.GetLeftPart(UriPartial.Authority), _origin, StringComparison.OrdinalIgnoreCase))
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidPath, "The path leaves the connection's host.");
            return result;
        }

        private string PurchasePath(string kind, string productId, string purchaseToken, string? action)
        {
            // Path values are percent-encoded as UTF-8 segments, so Korean product ids arrive intact.
            string path = "/v7/apps/" + _escapedClientId + "/purchases/" + kind + "/products/"
                + Uri.EscapeDataString(productId) + "/" + Uri.EscapeDataString(purchaseToken);
            return action == null ? path : path + "/" + action;
        }

        /// <summary>A list query's own checks, before any request (and before a pager starts).</summary>
        private void ValidateListQuery(PurchaseListQuery query)
        {
            ThrowIfDisposed();
            if (query == null) throw new ArgumentNullException(nameof(query));
            OneStoreInput.ValidateMaxResults(query.MaxResults);
            if (query.StartTimeMillis is long s && query.EndTimeMillis is long e && s > e)
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidTimeRange, "The start time is after the end time.");
        }

        private string ListPath(string list, PurchaseListQuery query)
        {
            ValidateListQuery(query);
            var builder = new StringBuilder("/v7/apps/").Append(_escapedClientId).Append('/').Append(list);
            char separator = '?';
            void Add(string name, string value)
            {
                builder.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            if (!string.IsNullOrEmpty(query.ContinuationKey)) Add("continuationKey", query.ContinuationKey!);
            if (query.StartTimeMillis is long start) Add("startTime", start.ToString(invariant));
            if (query.EndTimeMillis is long end) Add("endTime", end.ToString(invariant));
            if (query.MaxResults is int max) Add("maxResults", max.ToString(invariant));
            return builder.ToString();
        }

        private static readonly byte[] EmptyObject = Encoding.UTF8.GetBytes("{}");

        private static byte[] PayloadBody(string? developerPayload) =>
            developerPayload == null
                ? EmptyObject
                : JsonTree.Serialize(new Dictionary<string, object?> { ["developerPayload"] = developerPayload });

        // ---- The choke point -------------------------------------------------------------------------------------

        /// <summary>
        /// A changing call (acknowledge, consume, cancel, reactivate, defer) whose outcome tells the truth: when it fails
        /// after an attempt that may have reached the server (a lost reply, a timeout, a 500/502/504, a 200 that is not
        /// the spec's success), the purchase is checked with <paramref name="isApplied"/> before anything is reported:
        /// applied is Success with AlreadyApplied; not applied is the error; a check that fails (or a call that cannot be
        /// checked, <paramref name="isApplied"/> null) is the error saying the change may have been applied. An error
        /// says MayHaveBeenApplied whenever any attempt may have reached the server.
        /// </summary>
        private async Task<OperationReply> ChangeAsync(CallState call, Func<CancellationToken, Task<bool>>? isApplied, CancellationToken cancellationToken)
        {
            try
            {
                return await SendOperationAsync(call, cancellationToken).ConfigureAwait(false);
            }
            catch (OneStoreApiException e) when (call.Ambiguous)
            {
                if (isApplied == null)
                    throw e.MayHaveBeenApplied ? e : e.Restated(true, " An earlier attempt may have reached ONE store and applied the change; it was not sent again. Check the purchase before trying again.");
                bool applied;
                try
                {
                    applied = await isApplied(cancellationToken).ConfigureAwait(false);
                }
                catch (OneStoreApiException check)
                {
                    throw e.Restated(true, $" An earlier attempt may have reached ONE store and applied the change, and checking the purchase failed too ({check.Code}). Check the purchase before granting anything or trying again.");
                }
                if (applied)
                    return new OperationReply(OneStoreErrorCodes.Success, "Applied by an earlier attempt whose reply was lost (the purchase was checked).", alreadyApplied: true);
                throw e.Restated(true, " An earlier attempt may have reached ONE store; checking the purchase found the change not applied.");
            }
        }

        /// <summary>
        /// A changing call's 200 needs the spec's success code, in either envelope (<c>{"result":{"code":"Success"}}</c>
        /// as the operations' examples, or a bare <c>{"code":"Success"}</c>); anything else ({}, null, an empty body,
        /// another code) is a ProtocolError that may have been applied.
        /// </summary>
        private async Task<OperationReply> SendOperationAsync(CallState call, CancellationToken cancellationToken)
        {
            byte[] body = await SendAsync(call, cancellationToken).ConfigureAwait(false);
            ErrorEnvelope? envelope = TryDeserialize(body, OneStoreJsonContext.Default.ErrorEnvelope);
            string? code = envelope?.Result?.Code ?? envelope?.Code;
            if (code == OneStoreErrorCodes.Success)
                return new OperationReply(code, envelope!.Result?.Message ?? envelope.Message);
            call.Ambiguous = true;
            string shown = body.Length == 0 ? "an empty body" : $"'{Excerpt(body)}'";
            throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                $"ONE store answered {call.Method} {call.Path} with HTTP 200 but not the spec's success reply: {shown}. The change may have been applied.", 200)
            {
                MayHaveBeenApplied = true,
                SafeToRepeat = call.SafeToRepeat,
            };
        }

        /// <summary>
        /// Every API call goes through here: a token from the cache (single-flight renewal), the retry pipeline around
        /// each attempt, and one renewal plus one more try when the server says the token expired or is invalid.
        /// </summary>
        private async Task<byte[]> SendAsync(CallState call, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            AccessTokenInfo token = _tokens.GetFresh(_time.GetUtcNow()) ?? await GetTokenAsync(call.Log, cancellationToken).ConfigureAwait(false);
            try
            {
                return await WithRetriesAsync(call, token, cancellationToken).ConfigureAwait(false);
            }
            catch (OneStoreApiException e) when (e.Kind == OneStoreErrorKind.Api
                && (e.Code == OneStoreErrorCodes.AccessTokenExpired || e.Code == OneStoreErrorCodes.InvalidAccessToken))
            {
                _tokens.Invalidate(token);
                token = await GetTokenAsync(call.Log, cancellationToken).ConfigureAwait(false);
                return await WithRetriesAsync(call, token, cancellationToken).ConfigureAwait(false);
            }
        }

        private HttpRequestMessage CreateApiRequest(CallState call, AccessTokenInfo token)
        {
            var request = new HttpRequestMessage(call.Method, _origin + _basePath + call.Path);
            // "Bearer <token>" (spec: ONE store OAuth), built once per token.
            request.Headers.TryAddWithoutValidation("Authorization", token.AuthorizationValue);
            request.Headers.TryAddWithoutValidation(MarketHeader, _options.MarketCode);
            request.Headers.TryAddWithoutValidation("Accept", JsonMediaType);
            // The spec marks Content-Type: application/json as required on every API request, GETs included.
            byte[]? body = call.Body;
            if (body != null || CanSendBodyOnGet || call.Method != HttpMethod.Get)
            {
                var content = new ByteArrayContent(body ?? Array.Empty<byte>());
                content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
                request.Content = content;
            }
            return request;
        }

        /// <summary>One attempt: send, read the reply within the size limit, map failures to <see cref="OneStoreApiException"/>.</summary>
        private async Task<byte[]> SendOnceAsync(CallState call, AccessTokenInfo? token, CancellationToken cancellationToken)
        {
            int attempt = Interlocked.Increment(ref call.Attempts);
            long started = Stopwatch.GetTimestamp();
            int? status = null;
            string? failureCode = null;
            HttpRequestMessage request = token == null ? CreateTokenRequest(call) : CreateApiRequest(call, token);
            bool sent = false;
            try
            {
                using (request)
                {
                    HttpResponseMessage response;
                    try
                    {
                        response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        WipeSensitiveBody(call);
                    }
                    sent = true;
                    using (response)
                    {
                        status = (int)response.StatusCode;
                        byte[] body = await ReadBodyAsync(response, call, started, cancellationToken).ConfigureAwait(false);
                        if (status >= 200 && status < 300)
                        {
                            ThrowIfErrorBody(call, status.Value, body);
                            return body;
                        }
                        OneStoreApiException error = MapError(call, response, body);
                        // A server error or a gateway's may come after the change was applied (a 503 or 429 is a refusal).
                        if (call.Method != HttpMethod.Get && status is 500 or 502 or 504)
                        {
                            call.Ambiguous = true;
                            error.MayHaveBeenApplied = true;
                            error.SafeToRepeat = call.SafeToRepeat;
                        }
                        throw error;
                    }
                }
            }
            catch (OneStoreApiException e)
            {
                failureCode = e.Code;
                throw;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failureCode = OneStoreErrorCodes.RequestTimeout;
                call.Ambiguous = true;
                throw new OneStoreApiException(OneStoreErrorKind.Timeout, OneStoreErrorCodes.RequestTimeout,
                    $"{call.Method} {call.Path} got no reply within {_options.RequestTimeout.TotalSeconds:0.###} s.{NotRepeated(call, true)}", status)
                {
                    MayHaveBeenApplied = true,
                    SafeToRepeat = call.SafeToRepeat,
                };
            }
            catch (Exception e) when (e is HttpRequestException || e is IOException || e is SocketException)
            {
                failureCode = OneStoreErrorCodes.NetworkError;
                bool refused = FindSocketError(e) == SocketError.ConnectionRefused;
                if (!refused || sent) call.Ambiguous = true;
                throw new OneStoreApiException(OneStoreErrorKind.Network, OneStoreErrorCodes.NetworkError,
                    $"{call.Method} {call.Path} failed without a reply: {Sanitize(Innermost(e).Message, 200)}{NotRepeated(call, !refused || sent)}", status, null, e)
                {
                    MayHaveBeenApplied = !refused || sent,
                    SafeToRepeat = call.SafeToRepeat,
                };
            }
            catch (OperationCanceledException)
            {
                failureCode = "Cancelled";
                throw;
            }
            finally
            {
                call.Log?.Invoke(new OneStoreRequestLog(call.Method.Method, call.Path, status, Elapsed(started), attempt, failureCode));
            }
        }

        private static string NotRepeated(CallState call, bool mayHaveBeenApplied) =>
            mayHaveBeenApplied && !call.SafeToRepeat
                ? " The change may have been applied; it was not sent again, as repeating it would apply it twice. Check the purchase before trying again."
                : "";

        private static void WipeSensitiveBody(CallState call)
        {
            byte[]? sensitive = call.SensitiveBody;
            if (sensitive != null)
            {
                Array.Clear(sensitive, 0, sensitive.Length);
                call.SensitiveBody = null;
            }
        }

        /// <summary>
        /// Reads the reply within the size limit and what is left of the attempt's time (the reply's headers used the
        /// rest). A body that is already here is read at once; only a read that has to wait is timed.
        /// </summary>
        private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CallState call, long started, CancellationToken cancellationToken)
        {
            int limit = _options.MaxReplyBytes;
            long? declared = response.Content.Headers.ContentLength;
            if (declared > limit) throw TooLarge(call, (int)response.StatusCode, limit);
            using Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            if (declared is long exact)
            {
                // The usual case: read straight into a buffer of the declared size (a shorter body is a network failure).
                byte[] body = exact == 0 ? Array.Empty<byte>() : new byte[exact];
                int filled = 0;
                while (filled < body.Length)
                {
                    int n = await ReadWithinAttemptAsync(stream, body, filled, body.Length - filled, response, started, cancellationToken).ConfigureAwait(false);
                    if (n == 0) throw new IOException($"The reply ended after {filled} of the {body.Length} bytes it declared.");
                    filled += n;
                }
                return body;
            }
            using var buffer = new MemoryStream(1024);
            byte[] chunk = new byte[16 * 1024];
            while (true)
            {
                int read = await ReadWithinAttemptAsync(stream, chunk, 0, chunk.Length, response, started, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                if (buffer.Length + read > limit) throw TooLarge(call, (int)response.StatusCode, limit);
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }

        /// <summary>One read of the body: at once when the bytes are here, else timed by <see cref="WithinAttemptAsync"/>.</summary>
        private Task<int> ReadWithinAttemptAsync(Stream stream, byte[] buffer, int offset, int count, HttpResponseMessage response,
            long started, CancellationToken cancellationToken)
        {
            Task<int> read = stream.ReadAsync(buffer, offset, count, cancellationToken);
            return read.IsCompleted ? read : WithinAttemptAsync(read, response, started, cancellationToken);
        }

        /// <summary>
        /// Waits for a read of the body for what is left of the attempt's time; when that runs out the reply is
        /// disposed, which ends the read, and the attempt fails as a timeout (an OperationCanceledException that the
        /// caller's token did not cause).
        /// </summary>
        private async Task<int> WithinAttemptAsync(Task<int> read, HttpResponseMessage response, long started, CancellationToken cancellationToken)
        {
            if (_options.RequestTimeout == Timeout.InfiniteTimeSpan) return await read.ConfigureAwait(false);
            TimeSpan left = _options.RequestTimeout - Elapsed(started);
            using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond));
            using (timeout.Token.Register(static state => ((HttpResponseMessage)state!).Dispose(), response))
            {
                try
                {
                    return await read.ConfigureAwait(false);
                }
                catch (Exception) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(timeout.Token);
                }
            }
        }

        private static TimeSpan Elapsed(long started) =>
            TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - started) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

        private static OneStoreApiException TooLarge(CallState call, int status, int limit) =>
            new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ReplyTooLarge,
                $"ONE store's reply to {call.Method} {call.Path} (HTTP {status}) is larger than {limit / 1024} KiB; it was not read.", status);

        /// <summary>A 2xx body that is ONE store's error body is still an error.</summary>
        private static void ThrowIfErrorBody(CallState call, int status, byte[] body)
        {
            if (body.Length == 0 || IndexOf(body, ErrorKey) < 0) return;
            ErrorEnvelope? envelope = TryDeserialize(body, OneStoreJsonContext.Default.ErrorEnvelope);
            if (envelope?.Error?.Code is string code && code.Length > 0)
                throw ApiError(call, status, code, envelope.Error.Message);
        }

        private static readonly byte[] ErrorKey = Encoding.ASCII.GetBytes("\"error\"");

        private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

        private static OneStoreApiException MapError(CallState call, HttpResponseMessage response, byte[] body)
        {
            int status = (int)response.StatusCode;
            ErrorEnvelope? envelope = TryDeserialize(body, OneStoreJsonContext.Default.ErrorEnvelope);
            string? code = envelope?.Error?.Code ?? envelope?.Code;
            string? message = envelope?.Error?.Message ?? envelope?.Message;
            OneStoreApiException error;
            if (!string.IsNullOrEmpty(code))
            {
                error = ApiError(call, status, code!, message);
            }
            else if (envelope != null)
            {
                error = new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.HttpError,
                    $"{call.Method} {call.Path} failed with HTTP {status} and a JSON reply without ONE store's error code: '{Excerpt(body)}'", status);
            }
            else
            {
                error = NotJson(call, status, response.Content.Headers.ContentType?.MediaType, body, null);
            }
            error.RetryAfter = GetRetryAfter(response);
            return error;
        }

        private static OneStoreApiException ApiError(CallState call, int status, string code, string? message)
        {
            string safeCode = Sanitize(code, 64);
            string text = string.IsNullOrEmpty(message) ? "" : ": " + Sanitize(message!, 300);
            return new OneStoreApiException(OneStoreErrorKind.Api, safeCode,
                $"ONE store answered {safeCode} (HTTP {status}) to {call.Method} {call.Path}{text}", status, message == null ? null : Sanitize(message, 300));
        }

        private static OneStoreApiException NotJson(CallState call, int status, string? mediaType, byte[] body, Exception? inner)
        {
            string type = string.IsNullOrEmpty(mediaType) ? "" : ", " + Sanitize(mediaType!, 60);
            string text = body.Length == 0
                ? $"ONE store's reply to {call.Method} {call.Path} (HTTP {status}{type}) is empty, not the API's JSON."
                : $"ONE store's reply to {call.Method} {call.Path} (HTTP {status}{type}) is not the API's JSON; the request may not have reached the API. The reply begins: '{Excerpt(body)}'";
            return new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError, text, status, null, inner);
        }

        private static TimeSpan? GetRetryAfter(HttpResponseMessage response)
        {
            RetryConditionHeaderValue? retryAfter = response.Headers.RetryAfter;
            if (retryAfter == null) return null;
            if (retryAfter.Delta is TimeSpan delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (retryAfter.Date is DateTimeOffset date)
            {
                TimeSpan wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }

        private static T? TryDeserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo) where T : class
        {
            if (body.Length == 0) return null;
            try
            {
                return JsonSerializer.Deserialize(body, typeInfo);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static T? Deserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo, CallState call) where T : class
        {
            if (body.Length == 0) throw EmptyReply(call);
            try
            {
                return JsonSerializer.Deserialize(body, typeInfo);
            }
            catch (JsonException e)
            {
                string where = e.Path == null ? "" : $" (at {e.Path})";
                throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                    $"ONE store's reply to {call.Method} {call.Path} is not the JSON the spec describes{where}. The reply begins: '{Excerpt(body)}'", 200, null, e);
            }
        }

        private static OneStoreApiException EmptyReply(CallState call) =>
            new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                $"ONE store's reply to {call.Method} {call.Path} is empty or null, not the JSON the spec describes.", 200);

        /// <summary>A short, safe excerpt of a reply: at most 200 characters, no control characters, whitespace collapsed.</summary>
        internal static string Excerpt(byte[] body)
        {
            int take = Math.Min(body.Length, 1024);
            string text = Encoding.UTF8.GetString(body, 0, take);
            return Sanitize(text, 200);
        }

        internal static string Sanitize(string text, int maxLength)
        {
            var builder = new StringBuilder(Math.Min(text.Length, maxLength));
            bool space = false;
            foreach (char c in text)
            {
                if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '\uFFFD')
                {
                    if (!space && builder.Length > 0) builder.Append(' ');
                    space = true;
                    continue;
                }
                space = false;
                builder.Append(c);
                if (builder.Length >= maxLength) break;
            }
            string result = builder.ToString().TrimEnd();
            if (result.Length >= maxLength) result = result.Substring(0, maxLength - 3) + "...";
            return result;
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        private static SocketError? FindSocketError(Exception e)
        {
            for (Exception? current = e; current != null; current = current.InnerException)
            {
                if (current is SocketException socket) return socket.SocketErrorCode;
            }
            return null;
        }

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(OneStoreClient), "The connection was disconnected.");
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _http.Dispose();
        }

        /// <summary>One logical call, across its attempts.</summary>
        internal sealed class CallState
        {
            public CallState(HttpMethod method, string path, Action<OneStoreRequestLog>? log)
            {
                Method = method;
                Path = path;
                Log = log;
            }

            public HttpMethod Method { get; }
            public string Path { get; }
            public Action<OneStoreRequestLog>? Log { get; }
            public byte[]? Body { get; set; }
            public byte[]? SensitiveBody { get; set; }
            public int Attempts;

            /// <summary>False when sending the request twice would apply the change twice.</summary>
            public bool SafeToRepeat { get; set; } = true;

            /// <summary>An attempt failed in a way that may have reached the server (timeout, reset after sending).</summary>
            public bool Ambiguous { get; set; }
        }
    }
}
