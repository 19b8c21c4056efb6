using System;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// Where a license key comes from when a cmdlet is not given -LicenseKey: the connection's (Connect-OneStore
    /// -LicenseKey, ONESTORE_LICENSE_KEY at connect time, or the emulator's), then ONESTORE_LICENSE_KEY now.
    /// The one place the signature cmdlets resolve and read it, so they agree on the order, the errors and their ids.
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

        /// <summary>
        /// Resolves and reads the key once for a pipeline (call from BeginProcessing): -LicenseKey, then
        /// <paramref name="connection"/> or the session's default connection, then ONESTORE_LICENSE_KEY. No key at all is
        /// a terminating NoLicenseKey error unless <paramref name="optional"/>; a key that cannot be read is not an
        /// error here: the cmdlet decides (<see cref="ResolvedLicenseKey.UnusableError"/>).
        /// </summary>
        internal static ResolvedLicenseKey Resolve(PSCmdlet cmdlet, string? given, OneStoreConnection? connection, bool optional = false)
        {
            string? text = Find(given, connection ?? ConnectionState.GetDefault());
            if (text == null)
            {
                if (!optional)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(Missing),
                        "NoLicenseKey", ErrorCategory.InvalidArgument, null));
                }
                return new ResolvedLicenseKey(false, null, null);
            }
            OneStoreLicenseKey.TryParse(text, out OneStoreLicenseKey? key, out string? problem);
            return new ResolvedLicenseKey(true, key, problem);
        }
    }
}
