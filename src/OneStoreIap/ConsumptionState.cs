using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>consumptionState: 0 not consumed, 1 consumed.</summary>
    public enum ConsumptionState
    {
        NotConsumed = 0,
        Consumed = 1,
    }
}
