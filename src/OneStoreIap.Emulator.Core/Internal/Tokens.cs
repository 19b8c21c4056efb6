using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace OneStoreIap.Emulator.Internal
{
    internal sealed class AccessToken
    {
        public string Value = "";
        public string ClientId = "";
        public string MarketCode = Markets.One;
        public long IssuedAt;
        public long ExpiresAt;
    }

    /// <summary>
    /// Issued access tokens. ONE store OAuth: a token request returns the current token while more than 600 s of it
    /// remain, and a new one otherwise; older tokens stay valid until they expire, so several can be live at once.
    /// The current token is kept per clientId, not per market: a token authorises the client, and the market is
    /// chosen per API request by its own x-market-code header (the spec ties no token to a market).
    /// A control-API reset forgets which token is current (the next token request gets a fresh one) but keeps issued
    /// tokens valid until they expire, so connected clients stay connected.
    /// </summary>
    internal sealed class TokenStore
    {
        public const long RenewWhenRemainingAtMost = 600 * Time.Second;

        private readonly ConcurrentDictionary<string, AccessToken> byValue = new(StringComparer.Ordinal);
        private readonly Dictionary<string, AccessToken> currentByClient = new(StringComparer.Ordinal);
        private readonly List<AccessToken> issued = new();
        private readonly object gate = new();

        public AccessToken Issue(string clientId, string market, long now, long lifetimeMillis)
        {
            lock (gate)
            {
                if (currentByClient.TryGetValue(clientId, out var current) && current.ExpiresAt - now > RenewWhenRemainingAtMost)
                {
                    return current;
                }
                var token = new AccessToken
                {
                    Value = Guid.NewGuid().ToString("D"),
                    ClientId = clientId,
                    MarketCode = market,
                    IssuedAt = now,
                    ExpiresAt = now + lifetimeMillis,
                };
                byValue[token.Value] = token;
                currentByClient[clientId] = token;
                issued.Add(token);
                return token;
            }
        }

        public void ForgetCurrent()
        {
            lock (gate) currentByClient.Clear();
        }

        public AccessToken? Find(string value) => byValue.TryGetValue(value, out var token) ? token : null;

        public List<AccessToken> Snapshot()
        {
            lock (gate)
            {
                return new List<AccessToken>(issued);
            }
        }
    }
}
