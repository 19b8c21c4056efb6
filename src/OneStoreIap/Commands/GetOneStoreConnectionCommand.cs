using System;
using System.Management.Automation;
using System.Security;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreConnection: the session's default connection (client id, market, environment, host, token expiry; never a secret).</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreConnection")]
    [OutputType(typeof(OneStoreConnection))]
    public sealed class GetOneStoreConnectionCommand : OneStoreCmdletBase
    {
        protected override void ProcessRecord()
        {
            OneStoreConnection? connection = ConnectionState.GetDefault();
            if (connection == null)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException("There is no connection to ONE store in this session. Run Connect-OneStore first."),
                    "NotConnected", ErrorCategory.ConnectionError, null));
                return;
            }
            WriteObject(connection);
        }
    }
}
