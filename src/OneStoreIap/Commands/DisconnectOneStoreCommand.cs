using System;
using System.Management.Automation;
using System.Security;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Disconnect-OneStore: forgets the session's default connection (or closes the one given).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "OneStore")]
    [OutputType(typeof(void))]
    public sealed class DisconnectOneStoreCommand : OneStoreCmdletBase
    {
        /// <summary>The connection to close; the session's default when omitted.</summary>
        [Parameter(ValueFromPipeline = true)]
        public OneStoreConnection? Connection { get; set; }

        protected override void ProcessRecord()
        {
            OneStoreConnection? current = ConnectionState.GetDefault();
            OneStoreConnection? target = Connection ?? current;
            if (target == null) return;
            if (ReferenceEquals(target, current)) ConnectionState.SetDefault(null);
            target.Client.Dispose();
            WriteVerbose($"Disconnected {target}.");
        }
    }
}
