using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// The connections' HttpClients, made by <see cref="IHttpClientFactory"/>: one named client per handler policy
    /// (direct, system proxy, or a given proxy; the connection limit), whose primary handler sets the policy (no
    /// redirects, no cookies, no decompression, connection limits, the proxy) and whose handler lifetime
    /// (<see cref="OneStoreClientOptions.HandlerLifetime"/>) rotates pooled connections, so that a ten-hour session
    /// follows DNS changes on .NET Framework too. A connection asks for a new client every minute (the handler is
    /// pooled; the client is a thin wrapper), which is how rotation reaches a long session.
    /// </summary>
    /// <remarks>
    /// The factory and its service provider are made on the first connection, never at import. No
    /// <see cref="DelegatingHandler"/> is added: the steps every request shares (the token, retries, timeouts, body
    /// limits, the server's clock) are per connection and per call, and live in the engine's transport, which the
    /// named handlers are shared across. The factory's own request logging is removed: nothing here logs URIs.
    /// </remarks>
    internal static class HttpClients
    {
        private const string Prefix = "OneStoreIap";

        private static readonly ConcurrentDictionary<string, HandlerPolicy> Policies = new ConcurrentDictionary<string, HandlerPolicy>(StringComparer.Ordinal);
        private static readonly Lazy<IHttpClientFactory> Factory = new Lazy<IHttpClientFactory>(Build, LazyThreadSafetyMode.ExecutionAndPublication);
        private static long _credentialIds;

        /// <summary>The handler policy of one connection.</summary>
        internal sealed class HandlerPolicy
        {
            public HandlerPolicy(bool useProxy, IWebProxy? proxy, int maxConnections, TimeSpan lifetime)
            {
                UseProxy = useProxy;
                Proxy = proxy;
                MaxConnections = maxConnections;
                Lifetime = lifetime;
            }

            public bool UseProxy { get; }
            public IWebProxy? Proxy { get; }
            public int MaxConnections { get; }
            public TimeSpan Lifetime { get; }
        }

        /// <summary>
        /// The name of the client a connection with <paramref name="options"/> uses (registering its policy). An
        /// http:// host is never reached through a proxy (loopback only: the secret would cross to the proxy in clear).
        /// </summary>
        public static string NameFor(OneStoreClientOptions options)
        {
            bool http = options.BaseUri.Scheme == Uri.UriSchemeHttp;
            OneStoreProxyMode mode = http ? OneStoreProxyMode.None : options.ProxyMode;
            string name;
            HandlerPolicy policy;
            string common = string.Format(CultureInfo.InvariantCulture, "{0}|{1}", Math.Max(2, options.MaxConnectionsPerServer), options.HandlerLifetime.Ticks);
            switch (mode)
            {
                case OneStoreProxyMode.None:
                    name = Prefix + "|direct|" + common;
                    policy = new HandlerPolicy(false, null, Math.Max(2, options.MaxConnectionsPerServer), options.HandlerLifetime);
                    break;
                case OneStoreProxyMode.Explicit:
                    if (options.Proxy == null) throw new ArgumentException("ProxyMode Explicit needs a Proxy.", nameof(options));
                    var proxy = new WebProxy(options.Proxy) { Credentials = options.ProxyCredential, BypassProxyOnLocal = false };
                    // A credential is the connection's own: its handler is not shared with another connection.
                    string who = options.ProxyCredential == null ? "" : "|" + Interlocked.Increment(ref _credentialIds).ToString(CultureInfo.InvariantCulture);
                    name = Prefix + "|proxy|" + options.Proxy.AbsoluteUri + who + "|" + common;
                    policy = new HandlerPolicy(true, proxy, Math.Max(2, options.MaxConnectionsPerServer), options.HandlerLifetime);
                    break;
                default:
                    name = Prefix + "|system|" + common;
                    policy = new HandlerPolicy(true, null, Math.Max(2, options.MaxConnectionsPerServer), options.HandlerLifetime);
                    break;
            }
            Policies.GetOrAdd(name, policy);
            return name;
        }

        /// <summary>A client of the named policy; not to be disposed by callers that keep the factory's handlers alive (disposing is harmless).</summary>
        public static HttpClient Create(string name) => Factory.Value.CreateClient(name);

        private static IHttpClientFactory Build()
        {
            var services = new ServiceCollection();
            services.AddHttpClient();
            services.ConfigureHttpClientDefaults(builder => builder.RemoveAllLoggers());
            services.AddSingleton<IConfigureOptions<HttpClientFactoryOptions>>(new ConfigureByName());
            return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        }

        /// <summary>Configures each named client from the policy registered under its name.</summary>
        private sealed class ConfigureByName : IConfigureNamedOptions<HttpClientFactoryOptions>
        {
            public void Configure(string? name, HttpClientFactoryOptions options)
            {
                if (name == null || !Policies.TryGetValue(name, out HandlerPolicy? policy)) return;
                options.HandlerLifetime = policy.Lifetime;
                options.HttpMessageHandlerBuilderActions.Add(builder => builder.PrimaryHandler = CreatePrimaryHandler(policy));
            }

            public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
        }

        internal static HttpMessageHandler CreatePrimaryHandler(HandlerPolicy policy)
        {
            // On .NET Core HttpClientHandler is backed by SocketsHttpHandler: pooled keep-alive connections.
            var handler = new HttpClientHandler
            {
                // Never follow a redirect: it could carry the Authorization header, or the secret, to another host.
                AllowAutoRedirect = false,
                UseCookies = false,
                // No Accept-Encoding: the API's replies are a few hundred bytes of JSON, and the spec documents no compression.
                AutomaticDecompression = DecompressionMethods.None,
                UseProxy = policy.UseProxy,
            };
            if (policy.Proxy != null) handler.Proxy = policy.Proxy;
            try
            {
                handler.MaxConnectionsPerServer = policy.MaxConnections;
            }
            catch (PlatformNotSupportedException)
            {
                // Older frameworks: the default pool applies.
            }
            return handler;
        }
    }
}
