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

    /// <summary>The license key a cmdlet resolved: none, one it can use, or one it cannot read (and why).</summary>
    internal sealed class ResolvedLicenseKey
    {
        internal ResolvedLicenseKey(bool found, OneStoreLicenseKey? key, string? problem)
        {
            Found = found;
            Key = key;
            Problem = problem;
        }

        /// <summary>Whether there was key text at all (given, the connection's or the environment's).</summary>
        internal bool Found { get; }

        /// <summary>The key, or null when there was none or it cannot be read.</summary>
        internal OneStoreLicenseKey? Key { get; }

        /// <summary>Why the key text cannot be read (never the key itself).</summary>
        internal string? Problem { get; }

        /// <summary>Whether there was key text and it cannot be read: the operator's key, not the input, is wrong.</summary>
        internal bool IsUnusable => Found && Key == null;

        /// <summary>The exception for a key that cannot be read.</summary>
        internal ArgumentException Unusable() => new ArgumentException("The license key cannot be used: " + Problem);

        /// <summary>The InvalidArgument error for a key that cannot be read, about <paramref name="target"/>.</summary>
        internal ErrorRecord UnusableError(object? target) =>
            new ErrorRecord(Unusable(), "InvalidArgument", ErrorCategory.InvalidArgument, target);
    }
}
