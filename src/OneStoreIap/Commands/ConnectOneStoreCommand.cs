using System;
using System.Management.Automation;
using System.Security;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Connect-OneStore: issues an access token at once (so bad credentials fail here) and makes the connection the
    /// session's default. The secret is taken only as a SecureString or a PSCredential.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "OneStore", DefaultParameterSetName = ClientSecretSet)]
    [OutputType(typeof(OneStoreConnection))]
    public sealed class ConnectOneStoreCommand : OneStoreCmdletBase
    {
        internal const string ClientSecretSet = "ClientSecret";
        internal const string ClientSecretBaseUriSet = "ClientSecretBaseUri";
        internal const string CredentialSet = "Credential";
        internal const string CredentialBaseUriSet = "CredentialBaseUri";
        internal const string EmulatorSet = "Emulator";

        /// <summary>
        /// The app's client id (License Management in the Developer Center; often the package name). Not mandatory: with
        /// neither -ClientId nor -ClientSecret (nor -Credential), both come from ONESTORE_CLIENT_ID and ONESTORE_CLIENT_SECRET.
        /// </summary>
        [Parameter(Position = 0, ParameterSetName = ClientSecretSet)]
        [Parameter(Position = 0, ParameterSetName = ClientSecretBaseUriSet)]
        public string ClientId { get; set; } = null!;

        /// <summary>The app's client secret.</summary>
        [Parameter(Position = 1, ParameterSetName = ClientSecretSet)]
        [Parameter(Position = 1, ParameterSetName = ClientSecretBaseUriSet)]
        [SecureStringOnly]
        public SecureString ClientSecret { get; set; } = null!;

        /// <summary>The client id as the user name and the client secret as the password.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialBaseUriSet)]
        [Credential]
        public PSCredential Credential { get; set; } = null!;

        /// <summary>The market: MKT_ONE (Korea, the default, as the store assumes) or MKT_GLB (global).</summary>
        [Parameter]
        public OneStoreMarketCode MarketCode { get; set; } = OneStoreMarketCode.MKT_ONE;

        /// <summary>Commercial (https://iap-apis.onestore.net, the default) or Sandbox (https://sbpp.onestore.net).</summary>
        [Parameter(ParameterSetName = ClientSecretSet)]
        [Parameter(ParameterSetName = CredentialSet)]
        [ValidateSet(nameof(OneStoreEnvironment.Commercial), nameof(OneStoreEnvironment.Sandbox), IgnoreCase = true)]
        public OneStoreEnvironment Environment { get; set; } = OneStoreEnvironment.Commercial;

        /// <summary>Another host: the legacy Korean host, a proxy, the emulator. https, or http on loopback only.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretBaseUriSet)]
        [Parameter(Mandatory = true, ParameterSetName = CredentialBaseUriSet)]
        public Uri BaseUri { get; set; } = null!;

        /// <summary>An emulator (from Start-OneStoreEmulator): its address and its sample app's credential.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = EmulatorSet)]
        public EmulatorInstance Emulator { get; set; } = null!;

        /// <summary>How many times a transient failure (503, 500, 502, 504, 429, network, timeout) is retried (0-10).</summary>
        [Parameter]
        [ValidateRange(0, 10)]
        public int MaximumRetryCount { get; set; } = 3;

        /// <summary>The first retry's delay in seconds; later ones grow exponentially, with jitter.</summary>
        [Parameter]
        [ValidateRange(0.0, 60.0)]
        public double RetryBaseDelaySec { get; set; } = 0.5;

        /// <summary>How long one request may take, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 30;

        /// <summary>After this many transient failures in a row the connection holds requests back (fails them at once) for -BreakDurationSec; 0 turns it off.</summary>
        [Parameter]
        [ValidateRange(0, 10000)]
        public int BreakAfterFailures { get; set; } = 20;

        /// <summary>How long, in seconds, requests are held back once -BreakAfterFailures is reached; then one request tries again.</summary>
        [Parameter]
        [ValidateRange(0.5, 3600.0)]
        public double BreakDurationSec { get; set; } = 30;

        /// <summary>The app's license key (base64 DER, as the Developer Center shows it) for the signature cmdlets; default: ONESTORE_LICENSE_KEY, or the emulator's.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LicenseKey { get; set; }

        /// <summary>
        /// The proxy to reach an https:// host through, instead of the system's (HTTPS_PROXY, NO_PROXY; on Windows the
        /// system settings). An http:// (loopback) base URI is never reached through a proxy.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        /// <summary>The credential -Proxy asks for.</summary>
        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>Reaches the host directly, whatever the system's proxy settings say.</summary>
        [Parameter]
        public SwitchParameter NoProxy { get; set; }

        /// <summary>Also writes the connection to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (NoProxy && Proxy != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Proxy and -NoProxy contradict each other: give one of them, or neither for the system's proxy settings."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, Proxy));
            }
            if (ProxyCredential != null && Proxy == null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ProxyCredential needs -Proxy: give the proxy it is for."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, null));
            }
            if (Proxy != null && (!Proxy.IsAbsoluteUri || (Proxy.Scheme != Uri.UriSchemeHttp && Proxy.Scheme != Uri.UriSchemeHttps)))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Proxy '{Proxy}' is not an absolute http:// or https:// URI (for example http://proxy.example.com:3128)."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, Proxy));
            }
            if (ParameterSetName == EmulatorSet && Emulator.Credential == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("The emulator's seed has no app to connect as. Use -BaseUri with -Credential instead."),
                    "EmulatorWithoutApp", ErrorCategory.InvalidArgument, Emulator));
            }
            if (ParameterSetName == ClientSecretSet || ParameterSetName == ClientSecretBaseUriSet) EnvironmentCredential.ApplyIfNoCredential(this);
            bool byCredential = ParameterSetName == CredentialSet || ParameterSetName == CredentialBaseUriSet || ParameterSetName == EmulatorSet;
            PSCredential? credential = ParameterSetName == EmulatorSet ? Emulator.Credential : Credential;
            string clientId = byCredential ? credential!.UserName : ClientId;
            SecureString secret = byCredential ? credential!.Password : ClientSecret;
            if (clientId != null && clientId.StartsWith("\\", StringComparison.Ordinal)) clientId = clientId.Substring(1);

            OneStoreEnvironment environment;
            Uri baseUri;
            if (ParameterSetName == ClientSecretBaseUriSet || ParameterSetName == CredentialBaseUriSet || ParameterSetName == EmulatorSet)
            {
                environment = OneStoreEnvironment.Custom;
                baseUri = ParameterSetName == EmulatorSet ? Emulator.BaseUri : BaseUri;
            }
            else
            {
                environment = Environment;
                baseUri = environment == OneStoreEnvironment.Sandbox ? OneStoreClientOptions.SandboxUri : OneStoreClientOptions.CommercialUri;
            }

            string? licenseKey = LicenseKey ?? (ParameterSetName == EmulatorSet ? Emulator.GetLicenseKey() : null) ?? LicenseKeySource.Find(null, null);
            if (licenseKey != null && !OneStoreLicenseKey.TryParse(licenseKey, out _, out string? keyProblem))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(keyProblem), "InvalidArgument", ErrorCategory.InvalidArgument, null));

            OneStoreClient client;
            OneStoreClientOptions options;
            try
            {
                EnvironmentCredential.CheckBaseUriPath(baseUri);
                if (secret == null || secret.Length == 0)
                    throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidClientSecret, "The client secret is empty.");
                options = new OneStoreClientOptions(baseUri, clientId!, secret.Copy(), MarketCode.ToString())
                {
                    MaxRetryCount = MaximumRetryCount,
                    RetryBaseDelay = TimeSpan.FromSeconds(RetryBaseDelaySec),
                    RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
                    BreakAfterFailures = BreakAfterFailures == 1 ? 2 : BreakAfterFailures,
                    BreakDuration = TimeSpan.FromSeconds(BreakDurationSec),
                    ProxyMode = NoProxy ? OneStoreProxyMode.None : Proxy != null ? OneStoreProxyMode.Explicit : OneStoreProxyMode.System,
                    Proxy = Proxy,
                    ProxyCredential = ProxyCredential?.GetNetworkCredential(),
                };
                if (baseUri.Scheme == Uri.UriSchemeHttp && Proxy != null)
                    WriteWarning($"-Proxy is not used for {baseUri.GetLeftPart(UriPartial.Authority)}: an http:// (loopback) host is always reached directly.");
                options.ClientSecret.MakeReadOnly();
                client = new OneStoreClient(options);
            }
            catch (OneStoreApiException e)
            {
                ThrowEngineFailure(e, clientId);
                return;
            }

            try
            {
                Await(client.ConnectAsync(RequestLog, CancellationToken));
            }
            catch (Exception e) when (!(e is PipelineStoppedException))
            {
                client.Dispose();
                if (IsStopping(e)) throw new PipelineStoppedException();
                ThrowEngineFailure(FailureAdvice.ForConnect(e is AggregateException a && a.InnerExceptions.Count == 1 ? a.InnerExceptions[0] : e,
                    clientId!, options, environment), clientId);
                return;
            }

            var connection = new OneStoreConnection(client, environment) { LicenseKey = licenseKey };
            ConnectionState.SetDefault(connection);
            WriteVerbose($"Connected to {connection}; the token expires {connection.TokenExpiresOn:u}.");
            if (PassThru) WriteObject(connection);
        }
    }
}
