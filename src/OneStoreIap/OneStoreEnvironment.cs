using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>Which ONE store a connection talks to.</summary>
    public enum OneStoreEnvironment
    {
        Commercial,
        Sandbox,
        /// <summary>A base URI given with -BaseUri (the legacy Korean host, a proxy, the emulator).</summary>
        Custom,
    }
}
