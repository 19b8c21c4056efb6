using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>The base of every cmdlet that calls ONE store through a connection: -Connection, or the session's default.</summary>
    public abstract class OneStoreConnectedCmdletBase : OneStoreCmdletBase
    {
        private OneStoreConnection? _connection;

        /// <summary>The connection to use; the session's default (from Connect-OneStore) when omitted.</summary>
        [Parameter]
        [ValidateNotNull]
        public OneStoreConnection? Connection { get; set; }

        /// <summary>The -Connection given, or the session's default; a terminating NotConnected error when there is none.</summary>
        internal OneStoreConnection GetConnection()
        {
            if (_connection != null) return _connection;
            OneStoreConnection? connection = Connection ?? ConnectionState.GetDefault();
            if (connection == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("There is no connection to ONE store in this session. Run Connect-OneStore first, or pass -Connection."),
                    "NotConnected", ErrorCategory.ConnectionError, null));
            }
            _connection = connection;
            return connection!;
        }

    }
}
