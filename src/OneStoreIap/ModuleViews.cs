using System;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace OneStoreIap
{
    /// <summary>
    /// The module's default views (OneStoreIap.Format.ps1xml, beside this assembly) are registered with a session the
    /// first time one of the module's cmdlets runs there, before it writes anything, rather than at import
    /// (FormatsToProcess): loading a format file rebuilds the session's format tables, which was most of what
    /// importing the module cost, and only objects that the cmdlets write ever need the views.
    /// </summary>
    internal static class ModuleViews
    {
        internal const string FileName = "OneStoreIap.Format.ps1xml";

        private static readonly ConditionalWeakTable<Runspace, object> Registered = new ConditionalWeakTable<Runspace, object>();
        private static readonly object Marker = new object();
        private static readonly Lazy<string?> FormatPath = new Lazy<string?>(() =>
        {
            string? directory = Path.GetDirectoryName(typeof(ModuleViews).Assembly.Location);
            string? path = directory == null ? null : Path.Combine(directory, FileName);
            return path != null && File.Exists(path) ? path : null;
        });

        /// <summary>Registers the views with the current session, once; a session that refuses keeps its default formatting.</summary>
        public static void Ensure(PSCmdlet cmdlet)
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace == null || FormatPath.Value == null) return;
            lock (Registered)
            {
                if (Registered.TryGetValue(runspace, out _)) return;
                Registered.Add(runspace, Marker);
            }
            try
            {
                cmdlet.InvokeCommand.InvokeScript(false,
                    ScriptBlock.Create("param([string] $Path) Microsoft.PowerShell.Utility\\Update-FormatData -PrependPath $Path"),
                    null, FormatPath.Value);
            }
            catch (Exception e) when (e is RuntimeException || e is InvalidOperationException || e is NotSupportedException
                || e is UnauthorizedAccessException || e is IOException)
            {
                // Constrained or locked-down sessions: the objects are still written, with PowerShell's default formatting.
            }
        }
    }
}
