using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>acknowledgeState / acknowledgementState: 0 not acknowledged, 1 acknowledged.</summary>
    public enum AcknowledgeState
    {
        NotAcknowledged = 0,
        Acknowledged = 1,
    }
}
