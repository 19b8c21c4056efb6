using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine.Json;
using Polly;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// One connection to the ONE store IAP Server API v7: one pooled HttpClient, the shared token cache, and one
    /// choke point (<see cref="SendAsync"/>) that every API call goes through for tokens, retries, timeouts, size
    /// limits, error mapping and logging. Thread-safe: many calls may run at once.
    /// </summary>
    /// <remarks>
    /// One class in several files, one concern each: this file holds the public operations and the check of a change
    /// whose reply was lost; <c>OneStoreClient.Transport.cs</c> one attempt (send, body limits, timeouts, error
    /// mapping); <c>OneStoreClient.Retries.cs</c> the retry pipeline; <c>OneStoreClient.Tokens.cs</c> issuing and
    /// renewing tokens (cached in <see cref="TokenCache"/>); <c>OneStoreClient.Routes.cs</c> the paths.
    /// </remarks>
    public sealed partial class OneStoreClient : IDisposable
    {
        private readonly OneStoreClientOptions _options;
        private readonly HttpClient? _fixedHttp;
        private readonly string? _httpName;
        private readonly long _httpRenewTicks;
        private readonly TokenSlot _tokens;
        private readonly ServerTextScrubber _scrubber;
        private AccessTokenInfo? _lastTokenSeen;
        private readonly TimeProvider _time;
        private readonly ResiliencePipeline _retry;
        private readonly OutageBreaker? _breaker;
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
            _scrubber = new ServerTextScrubber(options.ClientSecret);
            _tokens = (options.TokenCache ?? TokenCache.Shared).GetSlot(options.BaseUri, options.ClientId, options.MarketCode);

            // Tests send through a handler of their own; connections through the factory's named client (HttpClients).
            if (options.Handler != null) _fixedHttp = new HttpClient(options.Handler, disposeHandler: false) { Timeout = options.RequestTimeout };
            else _httpName = HttpClients.NameFor(options);
            _httpRenewTicks = HttpRenewTicksFor(options.HandlerLifetime);
            _retry = BuildRetryPipeline(options);
            if (options.BreakAfterFailures > 0) _breaker = new OutageBreaker(options.BreakAfterFailures, options.BreakDuration, options.TimeProvider);
        }

        public string ClientId => _options.ClientId;
        public string MarketCode => _options.MarketCode;
        public Uri BaseUri => _options.BaseUri;
        public OneStoreClientOptions Options => _options;

        /// <summary>When the cached token expires, if there is one.</summary>
        public DateTimeOffset? TokenExpiresOn => _tokens.Current?.ExpiresOn;

        /// <summary>The server's clock, as its replies' Date headers tell it (the list windows are judged by it).</summary>
        public ServerClock ServerClock { get; } = new ServerClock();

        /// <summary>How many retries this client has made.</summary>
        public long RetryCount => Interlocked.Read(ref _retries);

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
        private PurchaseListPage<TItem> ParseListPage<TPage, TItem>(PurchaseListReply reply, JsonTypeInfo<TPage> typeInfo,
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

        private static readonly byte[] EmptyObject = Encoding.UTF8.GetBytes("{}");

        private static byte[] PayloadBody(string? developerPayload) =>
            developerPayload == null
                ? EmptyObject
                : JsonTree.Serialize(new Dictionary<string, object?> { ["developerPayload"] = developerPayload });

        // ---- Outcomes of changing calls ----------------------------------------------------------------------

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
            {
                string? message = envelope!.Result?.Message ?? envelope.Message;
                return new OperationReply(code, message == null ? null : ServerText(message, 300));
            }
            call.Ambiguous = true;
            string shown = body.Length == 0 ? "an empty body" : $"'{Excerpt(body)}'";
            throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                $"ONE store answered {call.Method} {call.Path} with HTTP 200 but not the spec's success reply: {shown}. The change may have been applied.", 200)
            {
                MayHaveBeenApplied = true,
                SafeToRepeat = call.SafeToRepeat,
            };
        }


        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(OneStoreClient), "The connection was disconnected.");
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _fixedHttp?.Dispose();
        }

    }
}
