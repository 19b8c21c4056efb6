using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The spec's market classification codes.</summary>
    public enum OneStoreMarketCode
    {
        /// <summary>Korea (times in replies are UTC+09).</summary>
        MKT_ONE,
        /// <summary>Global (times in replies are UTC+00).</summary>
        MKT_GLB,
    }
}
