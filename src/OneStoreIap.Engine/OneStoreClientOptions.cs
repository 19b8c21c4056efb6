using System;
using System.Net.Http;
using System.Security;

namespace OneStoreIap.Engine
{
    /// <summary>Settings of one connection to ONE store.</summary>
    public sealed class OneStoreClientOptions
    {
        /// <summary>The spec's commercial host.</summary>
        public static readonly Uri CommercialUri = new Uri("https://iap-apis.onestore.net");

        /// <summary>The spec's sandbox (development) host.</summary>
        public static readonly Uri SandboxUri = new Uri("https://sbpp.onestore.net");

        public OneStoreClientOptions(Uri baseUri, string clientId, SecureString clientSecret, string marketCode = OneStoreMarket.Korea)
        {
            BaseUri = baseUri ?? throw new ArgumentNullException(nameof(baseUri));
            ClientId = clientId;
            ClientSecret = clientSecret ?? throw new ArgumentNullException(nameof(clientSecret));
            MarketCode = marketCode;
        }

        public Uri BaseUri { get; }
        public string ClientId { get; }

        /// <summary>Kept as a SecureString; made plain only while the token request's form is built.</summary>
        public SecureString ClientSecret { get; }

        public string MarketCode { get; }

        /// <summary>Pooled keep-alive connections per server; at least the highest concurrency used.</summary>
        public int MaxConnectionsPerServer { get; set; } = 64;

        /// <summary>How many times a transient failure (503, 500, 502, 504, 429, network, timeout) is retried; 0 = never.</summary>
        public int MaxRetryCount { get; set; } = 3;

        /// <summary>The first retry's delay; later ones grow exponentially, with jitter.</summary>
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

        /// <summary>The longest a single wait between attempts may be, whatever Retry-After says.</summary>
        public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// After this many transient failures in a row (503, 5xx, 429, network, timeout), the connection stops sending for <see cref="BreakDuration"/>: calls fail at once with
        /// <c>CircuitOpen</c> instead of each paying its full retry budget against a server that is down. 0 turns it
        /// off; otherwise at least 2.
        /// </summary>
        public int BreakAfterFailures { get; set; } = 20;

        /// <summary>How long the connection holds requests back once <see cref="BreakAfterFailures"/> is reached; then one request tries again.</summary>
        public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>How long one attempt may take before it counts as a (transient) timeout.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>The most bytes of a reply the engine reads.</summary>
        public int MaxReplyBytes { get; set; } = 4 * 1024 * 1024;

        /// <summary>
        /// How requests reach an https:// host: through the system's proxy (HTTPS_PROXY, NO_PROXY; on Windows the
        /// system settings), through <see cref="Proxy"/>, or directly. An http:// (loopback) host is always reached
        /// directly, whatever this says: the token request's form holds the client secret in clear text.
        /// </summary>
        public OneStoreProxyMode ProxyMode { get; set; } = OneStoreProxyMode.System;

        /// <summary>The proxy of <see cref="OneStoreProxyMode.Explicit"/>.</summary>
        public Uri? Proxy { get; set; }

        /// <summary>The credential the proxy of <see cref="OneStoreProxyMode.Explicit"/> asks for, if any.</summary>
        public System.Net.ICredentials? ProxyCredential { get; set; }

        /// <summary>
        /// How long one pooled handler (and its connections) serves before new requests get a new one, so that a long
        /// session follows DNS changes on every runtime (Windows PowerShell's HttpClientHandler has no connection
        /// lifetime of its own). Old handlers are released once their requests are done.
        /// </summary>
        public TimeSpan HandlerLifetime { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>For tests: the handler to send through instead of a pooled socket handler.</summary>
        internal HttpMessageHandler? Handler { get; set; }

        /// <summary>For tests: the clock used for token expiry and retry delays.</summary>
        internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

        /// <summary>For tests: a token cache of their own instead of the process-wide one.</summary>
        internal TokenCache? TokenCache { get; set; }

        /// <summary>
        /// Checks the base URI: absolute, http or https, and http only for loopback (an access token and the client
        /// secret must never cross a network in clear text).
        /// </summary>
        public static void ValidateBaseUri(Uri? baseUri)
        {
            if (baseUri == null || !baseUri.IsAbsoluteUri)
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidBaseUri, "The base URI must be an absolute http(s) URI.");
            if (baseUri.Scheme == Uri.UriSchemeHttps) return;
            if (baseUri.Scheme == Uri.UriSchemeHttp)
            {
                if (baseUri.IsLoopback) return;
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidBaseUri,
                    $"The base URI '{baseUri.GetLeftPart(UriPartial.Authority)}' uses http:// on a host that is not loopback; use https://.");
            }
            throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidBaseUri,
                $"The base URI scheme '{baseUri.Scheme}' is not supported; use https://.");
        }
    }

    /// <summary>How a connection reaches an https:// host (an http:// loopback host is always reached directly).</summary>
    public enum OneStoreProxyMode
    {
        /// <summary>The system's proxy settings (HTTPS_PROXY, NO_PROXY; on Windows the system settings).</summary>
        System,

        /// <summary>Never through a proxy.</summary>
        None,

        /// <summary>Through <see cref="OneStoreClientOptions.Proxy"/>.</summary>
        Explicit,
    }
}
