using System;
using System.Net;
using System.Security;
using Xunit;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>The factory's named clients: which policy a connection gets.</summary>
    public class HttpClientsTests
    {
        private static OneStoreClientOptions Options(string uri, OneStoreProxyMode mode = OneStoreProxyMode.System, Uri? proxy = null, ICredentials? credential = null)
        {
            var secret = new SecureString();
            secret.AppendChar('x');
            return new OneStoreClientOptions(new Uri(uri), "com.example.app", secret) { ProxyMode = mode, Proxy = proxy, ProxyCredential = credential };
        }

        [Fact]
        public void AnHttpHostIsReachedDirectlyWhateverTheProxySettings()
        {
            foreach (OneStoreProxyMode mode in new[] { OneStoreProxyMode.System, OneStoreProxyMode.Explicit, OneStoreProxyMode.None })
            {
                string name = HttpClients.NameFor(Options("http://127.0.0.1:5080", mode, new Uri("http://127.0.0.1:3128")));
                Assert.Contains("|direct|", name);
            }
        }

        [Fact]
        public void AnHttpsHostGetsTheSystemProxyUnlessToldOtherwise()
        {
            Assert.Contains("|system|", HttpClients.NameFor(Options("https://iap-apis.onestore.net")));
            Assert.Contains("|direct|", HttpClients.NameFor(Options("https://iap-apis.onestore.net", OneStoreProxyMode.None)));
            Assert.Contains("|proxy|http://proxy.example.com:3128/", HttpClients.NameFor(Options("https://iap-apis.onestore.net", OneStoreProxyMode.Explicit, new Uri("http://proxy.example.com:3128"))));
        }

        [Fact]
        public void SamePolicySharesAClientAndAProxyCredentialIsNeverShared()
        {
            Assert.Equal(HttpClients.NameFor(Options("https://a.example")), HttpClients.NameFor(Options("https://b.example")));
            var proxy = new Uri("http://proxy.example.com:3128");
            var credential = new NetworkCredential("user", "pw");
            Assert.NotEqual(
                HttpClients.NameFor(Options("https://a.example", OneStoreProxyMode.Explicit, proxy, credential)),
                HttpClients.NameFor(Options("https://a.example", OneStoreProxyMode.Explicit, proxy, credential)));
        }

        [Fact]
        public void ThePrimaryHandlerFollowsNoRedirectAndKeepsNoCookies()
        {
            using var handler = (System.Net.Http.HttpClientHandler)HttpClients.CreatePrimaryHandler(new HttpClients.HandlerPolicy(false, null, 64, TimeSpan.FromMinutes(5)));
            Assert.False(handler.AllowAutoRedirect);
            Assert.False(handler.UseCookies);
            Assert.False(handler.UseProxy);
            Assert.Equal(64, handler.MaxConnectionsPerServer);
        }
    }
}
