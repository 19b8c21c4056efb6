using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using System.Security;

namespace OneStoreIap
{
    /// <summary>An app registered in an emulator (Add-OneStoreEmulatorApp): connect with <c>Connect-OneStore -BaseUri $app.BaseUri -Credential $app.Credential</c>.</summary>
    public sealed class EmulatorApp
    {
        internal EmulatorApp(string clientId, PSCredential credential, string[] markets, bool blocked, Uri baseUri)
        {
            ClientId = clientId;
            Credential = credential;
            MarketCode = markets;
            Blocked = blocked;
            BaseUri = baseUri;
        }

        public string ClientId { get; }

        /// <summary>User name: the client id; password: the client secret (a SecureString).</summary>
        public PSCredential Credential { get; }

        public string[] MarketCode { get; }
        public bool Blocked { get; }

        /// <summary>The emulator's address.</summary>
        public Uri BaseUri { get; }

        public override string ToString() => ClientId;
    }
}
