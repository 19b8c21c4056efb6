using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace OneStoreIap
{
    /// <summary>
    /// PowerShell 7 (.NET): the module's own AssemblyLoadContext. It serves every assembly found in the dependencies
    /// folder, so the engine and everything the engine references (System.Text.Json, Microsoft.Extensions.*,
    /// Microsoft.Bcl.*, Polly) load here and never from the default context, where PowerShell and other modules keep
    /// their own versions. Anything not in the folder (the runtime, PowerShell) comes from the default context.
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

        /// <summary>The folder this context serves.</summary>
        internal string Folder => _folder;

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
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
