using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace OneStoreIap
{
    /// <summary>
    /// PowerShell 7 (.NET): the module's own AssemblyLoadContext. It serves the assemblies found in the dependencies
    /// folder, so the engine and everything the engine references (Microsoft.Extensions.*, Microsoft.Bcl.*, Polly) load
    /// here and never from the default context, where PowerShell and other modules keep their own versions. Anything
    /// not in the folder (the runtime, PowerShell), and the runtime's own assemblies that the folder also holds for
    /// Windows PowerShell (System.Text.Json, System.Memory, ...), come from the default context.
    /// Only this file touches AssemblyLoadContext, so Windows PowerShell never compiles it.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private static readonly object s_gate = new object();
        private static DependencyLoadContext? s_instance;

        private readonly string _folder;

        private DependencyLoadContext(string folder)
        {
            _folder = folder;
        }

        /// <summary>
        /// Creates the context once per process (a module re-imported keeps the engine it already loaded) and lets
        /// the default context ask it for the engine, and for nothing else.
        /// </summary>
        internal static void Register(string folder)
        {
            lock (s_gate)
            {
                s_instance ??= new DependencyLoadContext(folder);
                Default.Resolving -= OnDefaultResolving;
                Default.Resolving += OnDefaultResolving;
            }
        }

        internal static void Unregister()
        {
            lock (s_gate) Default.Resolving -= OnDefaultResolving;
        }

        private static Assembly? OnDefaultResolving(AssemblyLoadContext context, AssemblyName name)
        {
            // Only the engine, the one name no other module ships: answering for a shared name here would hand our
            // copy to everyone who asks the default context.
            DependencyLoadContext? instance = s_instance;
            if (instance == null || !string.Equals(name.Name, ModuleInitializer.EngineAssemblyName, StringComparison.OrdinalIgnoreCase))
                return null;
            return instance.LoadFromAssemblyName(name);
        }

        protected override Assembly? Load(AssemblyName name)
        {
            if (string.IsNullOrEmpty(name.Name) || !string.IsNullOrEmpty(name.CultureName)) return null;
            string path = Path.Combine(_folder, name.Name + ".dll");
            // Not ours: the default context serves it (the runtime's assemblies, System.Management.Automation).
            if (!File.Exists(path)) return null;
            // Ours, but also part of the runtime (System.Text.Json, System.Memory, System.Buffers, ...): the runtime's copy,
            // when it is at least the version asked for. The folder's copies are the netstandard2.0 builds that Windows
            // PowerShell needs (System.Memory's is a portable Span, System.Text.Json's lacks the runtime's vectorised
            // paths); the runtime's are its own, and every module shares them, so they cannot conflict.
            if (IsServedByRuntime(name)) return null;
            return LoadFromAssemblyPath(path);
        }

        private static readonly string? s_runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);

        private static bool IsServedByRuntime(AssemblyName name)
        {
            if (string.IsNullOrEmpty(s_runtimeDirectory)) return false;
            string runtimeCopy = Path.Combine(s_runtimeDirectory, name.Name + ".dll");
            if (!File.Exists(runtimeCopy)) return false;
            try
            {
                Version? available = AssemblyName.GetAssemblyName(runtimeCopy).Version;
                return name.Version == null || (available != null && available >= name.Version);
            }
            catch (Exception e) when (e is IOException || e is BadImageFormatException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
