using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The spec's product types (In-app Type Code): <c>inapp</c>, <c>auto</c>, <c>subscription</c>.</summary>
    public enum OneStoreProductType
    {
        InApp,
        Auto,
        Subscription,
    }
}
