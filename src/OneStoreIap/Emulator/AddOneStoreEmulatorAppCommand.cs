using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using System.Security;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Add-OneStoreEmulatorApp: registers an app in a running emulator (POST /_emulator/apps), so that a test owns every
    /// purchase it sees; -Blocked makes one whose token requests ONE store refuses. Writes the app, with the
    /// credential to connect as.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "OneStoreEmulatorApp")]
    [OutputType(typeof(EmulatorApp))]
    public sealed class AddOneStoreEmulatorAppCommand : EmulatorCmdletBase
    {
        /// <summary>The app's client id (its package name).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; } = null!;

        /// <summary>The app's client secret; a new random one when omitted.</summary>
        [Parameter]
        [ValidateNotNull]
        public SecureString? ClientSecret { get; set; }

        /// <summary>The markets the app sells in (default both: MKT_ONE and MKT_GLB).</summary>
        [Parameter]
        [ValidateSet("MKT_ONE", "MKT_GLB")]
        public string[] MarketCode { get; set; } = { "MKT_ONE", "MKT_GLB" };

        /// <summary>An app whose access is blocked: its token requests get AccessBlocked.</summary>
        [Parameter]
        public SwitchParameter Blocked { get; set; }

        protected override void EndProcessing()
        {
            EmulatorInstance emulator = GetEmulator();
            SecureString secret = ClientSecret ?? NewSecret();
            var credential = new PSCredential(ClientId, secret);
            var body = new Dictionary<string, object?>
            {
                ["clientId"] = ClientId,
                ["clientSecret"] = credential.GetNetworkCredential().Password,
                ["markets"] = MarketCode,
            };
            if (Blocked) body["blocked"] = true;
            try
            {
                InvokeControl(emulator, HttpMethod.Post, "apps", body);
            }
            catch (EmulatorControlException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, ClientId));
                return;
            }
            WriteObject(new EmulatorApp(ClientId, credential, MarketCode, Blocked, emulator.BaseUri));
        }

        private static SecureString NewSecret()
        {
            var secret = new SecureString();
            foreach (char c in "test-" + Guid.NewGuid().ToString("N")) secret.AppendChar(c);
            secret.MakeReadOnly();
            return secret;
        }
    }
}
