using System;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
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
