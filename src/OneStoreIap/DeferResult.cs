using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The outcome of a defer (Set-OneStoreSubscription -PassThru): an operation result with the period asked for.</summary>
    public sealed class DeferResult : OperationResult
    {
        /// <summary>The deferPeriod sent: days in Commercial, minutes in Sandbox.</summary>
        public int? DeferPeriod { get; set; }
    }
}
