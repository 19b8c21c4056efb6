using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// Adds what to do next to the failures a new user meets most: the same code and status (error ids stay the spec's
    /// codes), a message that names the usual causes. Never a secret: only ids, hosts and settings the user chose.
    /// </summary>
    internal static class FailureAdvice
    {
        /// <summary>NoSuchData on a lookup: the type asked for, and the usual causes (type, market, environment).</summary>
        public static Exception ForLookup(Exception failure, OneStoreProductType type, string productId, OneStoreConnection connection)
        {
            if (!(failure is OneStoreApiException api) || api.Code != OneStoreErrorCodes.NoSuchData) return failure;
            string others = type switch
            {
                OneStoreProductType.Auto => "-Type InApp or -Type Subscription",
                OneStoreProductType.Subscription => "-Type InApp or -Type Auto",
                _ => "-Type Auto or -Type Subscription",
            };
            string message =
                $"No {Describe(type)} purchase of product '{productId}' with that purchase token was found (NoSuchData). Usual causes: " +
                $"the product is of another type (look it up with {others}, or give the input a Type column); the purchase was made in " +
                $"the other market (this connection uses {connection.MarketCode}: Connect-OneStore -MarketCode MKT_GLB for a global app); " +
                $"or in the other environment (this connection is {Where(connection)}; sandbox purchases are not found on the commercial host, " +
                "nor the other way round).";
            return Rewrap(api, message);
        }

        /// <summary>A failed token request at Connect-OneStore: what to check for each kind of failure.</summary>
        public static Exception ForConnect(Exception failure, string clientId, OneStoreClientOptions options, OneStoreEnvironment environment)
        {
            if (!(failure is OneStoreApiException api)) return failure;
            string where = environment == OneStoreEnvironment.Custom ? options.BaseUri.GetLeftPart(UriPartial.Authority) : $"{environment} ({options.BaseUri.Host})";
            switch (api.Code)
            {
                case OneStoreErrorCodes.UnauthorizedAccess:
                    return Rewrap(api,
                        $"ONE store refused the client id '{clientId}' or its secret (UnauthorizedAccess) at {where}, market {options.MarketCode}. " +
                        "Check the client id and the client secret (Developer Center > License Management), the environment " +
                        "(-Environment Sandbox for sandbox credentials; Commercial is the default) and the market (-MarketCode MKT_GLB for a global app).");
                case OneStoreErrorCodes.NetworkError:
                case OneStoreErrorCodes.RequestTimeout:
                    int attempts = 1 + options.MaxRetryCount;
                    string what = api.Code == OneStoreErrorCodes.NetworkError ? "could not be reached" : "did not answer in time";
                    return Rewrap(api,
                        $"ONE store at {options.BaseUri.Host}, port {options.BaseUri.Port} {what} after {attempts} attempt{(attempts == 1 ? "" : "s")} " +
                        $"(-MaximumRetryCount {options.MaxRetryCount}). Check the address, that the host is up (for the emulator: that it runs), " +
                        $"and any proxy or firewall in between. Last failure: {api.Message}");
            }
            return failure;
        }

        private static string Describe(OneStoreProductType type) => type switch
        {
            OneStoreProductType.Auto => "monthly auto-renewal (-Type Auto)",
            OneStoreProductType.Subscription => "subscription (-Type Subscription)",
            _ => "in-app (-Type InApp, the default)",
        };

        private static string Where(OneStoreConnection connection) => connection.Environment == OneStoreEnvironment.Custom
            ? $"{connection.BaseUri.GetLeftPart(UriPartial.Authority)}"
            : $"{connection.Environment}, {connection.BaseUri.Host}";

        // Only for failures of calls that change nothing (lookups, the token request): MayHaveBeenApplied stays false.
        private static OneStoreApiException Rewrap(OneStoreApiException api, string message) =>
            new OneStoreApiException(api.Kind, api.Code, message, api.HttpStatus, api.ServerMessage, api);
    }
}
