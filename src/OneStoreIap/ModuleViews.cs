using System;
using System.IO;
using System.Management.Automation;

namespace OneStoreIap
{
    /// <summary>
    /// The one display mechanism of every output type, the emulator's included: the views in OneStoreIap.Format.ps1xml
    /// (beside this assembly), registered with a session by the root cmdlet base the first time any of the module's
    /// cmdlets runs there, before it writes anything.
    /// </summary>
    /// <remarks>
    /// Why not FormatsToProcess: loading a format file rebuilds the session's format tables, which was most of what
    /// importing the module cost, and only objects that the cmdlets write ever need the views; lazy registration keeps
    /// Import-Module cheap (the benchmark's import target) and shows the same views. Why not per-object
    /// DefaultDisplayPropertySets (the emulator cmdlets' former way): each object written then needs its own wrapper
    /// and member set, the choice of columns lives in code instead of beside the other views, and it cannot pick a
    /// table over a list.
    /// </remarks>
    internal static class ModuleViews
    {
        internal const string FileName = "OneStoreIap.Format.ps1xml";

        private static readonly Lazy<string?> FormatPath = new Lazy<string?>(() =>
        {
            string? directory = Path.GetDirectoryName(typeof(ModuleViews).Assembly.Location);
            string? path = directory == null ? null : Path.Combine(directory, FileName);
            return path != null && File.Exists(path) ? path : null;
        });

        /// <summary>Registers the views with the current session, once; a session that refuses keeps its default formatting.</summary>
        public static void Ensure(PSCmdlet cmdlet)
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null || FormatPath.Value == null) return;
            lock (state.Gate)
            {
                if (state.ViewsRegistered) return;
                state.ViewsRegistered = true;
            }
            try
            {
                cmdlet.InvokeCommand.InvokeScript(false,
                    ScriptBlock.Create("param([string] $Path) Microsoft.PowerShell.Utility\\Update-FormatData -PrependPath $Path"),
                    null, FormatPath.Value);
                // Export-Clixml and remoting serialize an emulator without its Credential: off Windows a serialized
                // SecureString is only hex-encoded, and on Windows the same user can decrypt it; the secret stays here.
                cmdlet.InvokeCommand.InvokeScript(false, ScriptBlock.Create(
                    "Microsoft.PowerShell.Utility\\Update-TypeData -TypeName OneStoreIap.EmulatorInstance -SerializationMethod SpecificProperties " +
                    "-PropertySerializationSet BaseUri, Port, ClientId, LicenseKey, InProcess, IsRunning, SeedPath, Sandbox, StartTime -Force; " +
                    "Microsoft.PowerShell.Utility\\Update-TypeData -TypeName OneStoreIap.EmulatorApp -SerializationMethod SpecificProperties " +
                    "-PropertySerializationSet ClientId, MarketCode, Blocked, BaseUri -Force"), null);
            }
            catch (Exception e) when (e is RuntimeException || e is InvalidOperationException || e is NotSupportedException
                || e is UnauthorizedAccessException || e is IOException)
            {
                // Constrained or locked-down sessions: the objects are still written, with PowerShell's default formatting.
            }
        }
    }
}
