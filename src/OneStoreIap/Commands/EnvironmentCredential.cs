using System;
using System.Management.Automation;
using System.Security;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Connect-OneStore with no credential parameters, as CI secrets and scheduled jobs provide them: ONESTORE_CLIENT_ID,
    /// ONESTORE_CLIENT_SECRET, and optionally ONESTORE_MARKET_CODE and ONESTORE_ENVIRONMENT (parameters given win).
    /// Values are never written anywhere; errors name the variables only.
    /// </summary>
    internal static class EnvironmentCredential
    {
        internal const string ClientIdVariable = "ONESTORE_CLIENT_ID";
        internal const string ClientSecretVariable = "ONESTORE_CLIENT_SECRET";
        internal const string MarketCodeVariable = "ONESTORE_MARKET_CODE";
        internal const string EnvironmentVariable = "ONESTORE_ENVIRONMENT";

        public static void ApplyIfNoCredential(ConnectOneStoreCommand cmdlet)
        {
            var given = cmdlet.MyInvocation.BoundParameters;
            bool hasId = given.ContainsKey(nameof(ConnectOneStoreCommand.ClientId)), hasSecret = given.ContainsKey(nameof(ConnectOneStoreCommand.ClientSecret));
            if (hasId && hasSecret) return;
            if (hasId || hasSecret)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException(hasId
                        ? "-ClientId needs -ClientSecret (a SecureString: ConvertTo-SecureString or Read-Host -AsSecureString), or use -Credential (Get-Credential)."
                        : "-ClientSecret needs -ClientId, or use -Credential (Get-Credential)."),
                    "NoCredential", ErrorCategory.InvalidArgument, null));
            }
            Apply(cmdlet);
        }

        private static void Apply(ConnectOneStoreCommand cmdlet)
        {
            string? clientId = Read(ClientIdVariable);
            string? secret = Environment.GetEnvironmentVariable(ClientSecretVariable);
            if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrEmpty(secret))
            {
                string missing = string.IsNullOrWhiteSpace(clientId) && string.IsNullOrEmpty(secret)
                    ? ClientIdVariable + " and " + ClientSecretVariable
                    : string.IsNullOrWhiteSpace(clientId) ? ClientIdVariable : ClientSecretVariable;
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException(
                        $"Connect-OneStore was given no credential and {missing} {(missing.Contains(" and ") ? "are" : "is")} not set. " +
                        "Pass -Credential (Get-Credential), or -ClientId with -ClientSecret (ConvertTo-SecureString), or set " +
                        $"{ClientIdVariable} and {ClientSecretVariable} (and optionally {MarketCodeVariable}, {EnvironmentVariable}) in the environment."),
                    "NoCredential", ErrorCategory.InvalidArgument, null));
            }
            var secure = new SecureString();
            foreach (char c in secret!) secure.AppendChar(c);
            secure.MakeReadOnly();
            cmdlet.ClientId = clientId!.Trim();
            cmdlet.ClientSecret = secure;

            var bound = cmdlet.MyInvocation.BoundParameters;
            string? market = Read(MarketCodeVariable);
            if (!bound.ContainsKey(nameof(ConnectOneStoreCommand.MarketCode)) && market != null)
            {
                if (!Enum.TryParse(market, true, out OneStoreMarketCode code) || !Enum.IsDefined(typeof(OneStoreMarketCode), code))
                    Refuse(cmdlet, MarketCodeVariable, market, "MKT_ONE or MKT_GLB", OneStoreErrorCodes.InvalidMarketCode);
                cmdlet.MarketCode = code;
            }
            string? environment = Read(EnvironmentVariable);
            if (!bound.ContainsKey(nameof(ConnectOneStoreCommand.Environment)) && !bound.ContainsKey(nameof(ConnectOneStoreCommand.BaseUri)) && environment != null)
            {
                if (!Enum.TryParse(environment, true, out OneStoreEnvironment env) || env == OneStoreEnvironment.Custom || !Enum.IsDefined(typeof(OneStoreEnvironment), env))
                    Refuse(cmdlet, EnvironmentVariable, environment, "Commercial or Sandbox", "InvalidEnvironment");
                cmdlet.Environment = env;
            }
        }

        /// <summary>
        /// A base URI with the API's own path (http://127.0.0.1:5080/v7) would send /v7/v7/oauth/token: refused with the
        /// address to use. Other paths (a proxy's prefix) are kept.
        /// </summary>
        public static void CheckBaseUriPath(Uri baseUri)
        {
            if (baseUri == null || !baseUri.IsAbsoluteUri) return;
            string path = baseUri.AbsolutePath.TrimEnd('/');
            if (path.EndsWith("/v7", StringComparison.OrdinalIgnoreCase) || path.IndexOf("/v7/", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                string root = baseUri.GetLeftPart(UriPartial.Authority);
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidBaseUri,
                    $"The base URI '{root}{baseUri.AbsolutePath}' has the API's path in it; the module adds /v7/... to every route itself " +
                    $"(it would send {baseUri.AbsolutePath.TrimEnd('/')}/v7/oauth/token). Use -BaseUri {root}");
            }
        }

        private static string? Read(string name)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }

        private static void Refuse(ConnectOneStoreCommand cmdlet, string variable, string value, string accepted, string id)
        {
            string shown = value.Length > 20 ? value.Substring(0, 20) + "..." : value;
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"{variable} is '{shown}'; use {accepted}."), id, ErrorCategory.InvalidArgument, null));
        }
    }
}
