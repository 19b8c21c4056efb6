using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Security;

namespace OneStoreIap
{
    /// <summary>
    /// A running emulator: where it listens and the credential of its sample app, ready for Connect-OneStore
    /// -Emulator. Start-OneStoreEmulator returns one hosted inside this pwsh process; one made from a URI
    /// (<c>[OneStoreIap.EmulatorInstance]'http://127.0.0.1:5080'</c>) points at a standalone emulator with the built-in seed.
    /// </summary>
    public sealed class EmulatorInstance
    {
        /// <summary>The built-in seed's first app (docs/emulator.md): a public sample secret, not a real one.</summary>
        internal const string SampleClientId = "com.onestore.sample";
        private const string SampleClientSecret = "sample-client-secret-0000";

        private readonly object _gate = new object();
        private IDisposable? _host;

        /// <summary>An emulator already running elsewhere (the standalone program) with the built-in seed.</summary>
        public EmulatorInstance(Uri baseUri)
        {
            if (baseUri == null) throw new ArgumentNullException(nameof(baseUri));
            if (!baseUri.IsAbsoluteUri) throw new ArgumentException("The emulator's address must be an absolute URI.", nameof(baseUri));
            BaseUri = baseUri;
            ClientId = SampleClientId;
            Credential = NewCredential(SampleClientId, SampleClientSecret);
        }

        /// <summary>An emulator already running elsewhere, from its address (for example http://127.0.0.1:5080).</summary>
        public EmulatorInstance(string baseUri)
            : this(new Uri(baseUri, UriKind.Absolute))
        {
        }

        internal EmulatorInstance(IDisposable host, Uri baseUri, string? clientId, string? clientSecret, string? seedPath, bool sandbox)
        {
            _host = host;
            BaseUri = baseUri;
            ClientId = clientId;
            Credential = clientId != null && !string.IsNullOrEmpty(clientSecret) ? NewCredential(clientId, clientSecret!) : null;
            SeedPath = seedPath;
            Sandbox = sandbox;
            InProcess = true;
            StartTime = DateTimeOffset.Now;
        }

        /// <summary>Where the emulator listens, for example http://127.0.0.1:43125/.</summary>
        public Uri BaseUri { get; }

        /// <summary>The port it listens on.</summary>
        public int Port => BaseUri.Port;

        /// <summary>The client id of the seed's first app (com.onestore.sample with the built-in seed).</summary>
        public string? ClientId { get; }

        /// <summary>The seed's first app as a credential: the client id and (as a SecureString) its client secret.</summary>
        public PSCredential? Credential { get; }

        /// <summary>The license key (public RSA key, Developer Center format) of the seed's first app: it verifies the emulator's receipts and notifications.</summary>
        public string? LicenseKey { get; internal set; }

        /// <summary>The license key, asked of the emulator the first time for one running elsewhere; null when it has none.</summary>
        internal string? GetLicenseKey()
        {
            if (LicenseKey != null || ClientId == null) return LicenseKey;
            try
            {
                LicenseKey = EmulatorApps.LicenseKey(BaseUri, ClientId);
            }
            catch (Exception e) when (e is System.Net.Http.HttpRequestException || e is System.Threading.Tasks.TaskCanceledException || e is InvalidOperationException)
            {
                // An emulator too old to have keys, or not there: Connect-OneStore then fails on its own.
            }
            return LicenseKey;
        }

        /// <summary>True when it runs inside this pwsh process (started by Start-OneStoreEmulator).</summary>
        public bool InProcess { get; }

        /// <summary>False once Stop-OneStoreEmulator stopped it (always true for one running elsewhere).</summary>
        public bool IsRunning
        {
            get
            {
                lock (_gate) return !InProcess || _host != null;
            }
        }

        /// <summary>The seed file it started with; empty for the built-in seed.</summary>
        public string? SeedPath { get; }

        /// <summary>True when it applies the sandbox rules.</summary>
        public bool Sandbox { get; }

        /// <summary>When Start-OneStoreEmulator started it.</summary>
        public DateTimeOffset? StartTime { get; }

        /// <summary>Stops the in-process host; true when this call stopped it.</summary>
        internal bool Stop()
        {
            IDisposable? host;
            lock (_gate)
            {
                host = _host;
                _host = null;
            }
            if (host == null) return false;
            host.Dispose();
            return true;
        }

        public override string ToString() => BaseUri.ToString();

        private static PSCredential NewCredential(string clientId, string clientSecret)
        {
            var secure = new SecureString();
            foreach (char c in clientSecret) secure.AppendChar(c);
            secure.MakeReadOnly();
            return new PSCredential(clientId, secure);
        }
    }
}
