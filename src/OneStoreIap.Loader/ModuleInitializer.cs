using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OneStoreIap
{
    /// <summary>
    /// Loads the engine and its third-party dependencies from the module's <c>dependencies</c> folder, apart from
    /// whatever other modules (or PowerShell itself) have loaded, so that their versions of System.Text.Json,
    /// Microsoft.Extensions.*, Microsoft.Bcl.* or Polly cannot break ours, nor ours theirs. This follows the pattern of
    /// the PowerShell docs' "Resolving PowerShell module assembly dependency conflicts": the cmdlet assembly at the
    /// module root references only PowerShell and the engine; the engine is the one entry point into the isolated
    /// world. PowerShell 7 gets an AssemblyLoadContext; Windows PowerShell an AssemblyResolve handler.
    /// This lives in its own small assembly, imported by the manifest as a nested module before the cmdlet assembly:
    /// PowerShell reads the cmdlet assembly's types (some name engine types) before it runs that assembly's initializer.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>The folder under the module root that holds the engine and every third-party assembly.</summary>
        internal const string DependencyFolderName = "dependencies";

        /// <summary>The only assembly the cmdlet assembly asks for from the dependencies folder.</summary>
        internal const string EngineAssemblyName = "OneStoreIap.Engine";

        internal static readonly bool IsNetFramework =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        internal static string DependencyFolder { get; } =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", DependencyFolderName);

        public void OnImport()
        {
            if (IsNetFramework) FrameworkDependencyResolver.Register(DependencyFolder);
            else RegisterLoadContext();
        }

        public void OnRemove(PSModuleInfo module)
        {
            if (IsNetFramework) FrameworkDependencyResolver.Unregister();
            else UnregisterLoadContext();
        }

        // Kept out of line so that Windows PowerShell, which has no AssemblyLoadContext, never compiles a call into it.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterLoadContext() => DependencyLoadContext.Register(DependencyFolder);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void UnregisterLoadContext() => DependencyLoadContext.Unregister();
    }

    /// <summary>
    /// Windows PowerShell (.NET Framework): one AppDomain, no load contexts. Assemblies the runtime cannot find are
    /// loaded from the dependencies folder; the LoadFrom context then finds their own dependencies beside them.
    /// </summary>
    internal static class FrameworkDependencyResolver
    {
        private static string? s_folder;

        internal static void Register(string folder)
        {
            s_folder = folder;
            AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
            AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
        }

        internal static void Unregister() => AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
        {
            string? folder = s_folder;
            if (folder == null) return null;
            var name = new AssemblyName(args.Name);
            if (string.IsNullOrEmpty(name.Name) || !string.IsNullOrEmpty(name.CultureName)) return null;
            string path = Path.Combine(folder, name.Name + ".dll");
            if (!File.Exists(path)) return null;
            // Only a copy at least as new as the one asked for; anything else is not ours to answer.
            Version? shipped = AssemblyName.GetAssemblyName(path).Version;
            if (name.Version != null && shipped != null && shipped < name.Version) return null;
            return Assembly.LoadFrom(path);
        }
    }
}
