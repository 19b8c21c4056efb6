using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// Where a license key comes from when a cmdlet is not given -LicenseKey: the connection's (Connect-OneStore
    /// -LicenseKey, ONESTORE_LICENSE_KEY at connect time, or the emulator's), then ONESTORE_LICENSE_KEY now.
    /// </summary>
    internal static class LicenseKeySource
    {
        internal const string EnvironmentVariable = "ONESTORE_LICENSE_KEY";

        /// <summary>The key text to use, or null when there is none anywhere.</summary>
        internal static string? Find(string? given, OneStoreConnection? connection)
        {
            if (given != null) return given;
            if (connection?.LicenseKey != null) return connection.LicenseKey;
            string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            return string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment;
        }

        internal const string Missing =
            "There is no license key: pass -LicenseKey, connect with Connect-OneStore -LicenseKey, or set ONESTORE_LICENSE_KEY " +
            "(the Developer Center's In-App > Credentials shows it).";
    }
}
