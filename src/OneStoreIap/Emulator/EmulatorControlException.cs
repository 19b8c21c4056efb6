using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>A control-API call that failed: the emulator's error code (or why it could not be reached).</summary>
    public sealed class EmulatorControlException : Exception
    {
        internal EmulatorControlException(string errorId, ErrorCategory category, string message, Exception? inner)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
        }

        /// <summary>The emulator's error code (NoSuchData, Conflict, BadRequest, ...), or EmulatorUnreachable.</summary>
        public string ErrorId { get; }

        internal ErrorCategory Category { get; }
    }
}
