using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// A connection to ONE store: an app (client id), a market and a host. It never exposes the client secret or an
    /// access token: both stay inside the engine client it holds privately (not a public property, so neither
    /// formatting, ConvertTo-Json nor Export-Clixml can reach them).
    /// </summary>
    public sealed class OneStoreConnection
    {
        private readonly OneStoreClient _client;

        internal OneStoreConnection(OneStoreClient client, OneStoreEnvironment environment)
        {
            _client = client;
            Environment = environment;
        }

        internal OneStoreClient Client => _client;

        public string ClientId => _client.ClientId;

        /// <summary><c>MKT_ONE</c> (Korea) or <c>MKT_GLB</c> (global).</summary>
        public string MarketCode => _client.MarketCode;

        public OneStoreEnvironment Environment { get; }

        public Uri BaseUri => _client.BaseUri;

        /// <summary>The app's license key (public; it verifies purchase and notification signatures), when one was given.</summary>
        public string? LicenseKey { get; internal set; }

        /// <summary>When the cached access token expires (it is renewed before that, automatically).</summary>
        public DateTimeOffset? TokenExpiresOn => _client.TokenExpiresOn;

        /// <summary>How many times a transient failure is retried.</summary>
        public int MaximumRetryCount => _client.Options.MaxRetryCount;

        /// <summary>The first retry's delay (later ones grow exponentially, with jitter).</summary>
        public TimeSpan RetryBaseDelay => _client.Options.RetryBaseDelay;

        /// <summary>After how many transient failures in a row requests are held back (0: never).</summary>
        public int BreakAfterFailures => _client.Options.BreakAfterFailures;

        /// <summary>How long requests are held back then.</summary>
        public TimeSpan BreakDuration => _client.Options.BreakDuration;

        /// <summary>How long one attempt may take.</summary>
        public TimeSpan RequestTimeout => _client.Options.RequestTimeout;

        public override string ToString() => $"{ClientId} ({MarketCode}) at {BaseUri.GetLeftPart(UriPartial.Authority)}";
    }
}
