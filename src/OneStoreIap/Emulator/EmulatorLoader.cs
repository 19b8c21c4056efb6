using System;
using System.IO;
using System.Reflection;

namespace OneStoreIap
{
    /// <summary>
    /// Loads the emulator's rules (OneStoreIap.Emulator.Core.dll, net8.0) from the module's emulator/ folder the first
    /// time an emulator starts, never at import: the module itself also loads in Windows PowerShell 5.1, which cannot
    /// run them. Calls go through one reflection call to InProcessEmulator.Start, whose signature uses only BCL types.
    /// </summary>
    internal static class EmulatorLoader
    {
        internal const string AssemblyFileName = "OneStoreIap.Emulator.Core.dll";
        private const string FacadeTypeName = "OneStoreIap.Emulator.InProcessEmulator";

        private static readonly object Gate = new object();
        private static MethodInfo? _start;

        /// <summary>Where the module keeps the emulator: &lt;ModuleBase&gt;/emulator/ (the cmdlet assembly's folder when the module base is unknown).</summary>
        internal static string GetAssemblyPath(string? moduleBase)
        {
            if (string.IsNullOrEmpty(moduleBase)) moduleBase = Path.GetDirectoryName(typeof(EmulatorLoader).Assembly.Location) ?? ".";
            return Path.Combine(Path.Combine(moduleBase!, "emulator"), AssemblyFileName);
        }

        /// <summary>Null when this process can host the emulator; otherwise why not, and what to do instead.</summary>
        internal static string? GetUnsupportedReason()
        {
            // The rules target .NET 8, which PowerShell 7.4 is the first to run on; Windows PowerShell runs .NET Framework 4.x.
            bool isCore = !System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);
            if (isCore && Environment.Version.Major >= 8) return null;
            return "Start-OneStoreEmulator hosts the emulator inside PowerShell and needs PowerShell 7.4 or later (.NET 8 or later); " +
                   "this session runs on " + System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription + ". " +
                   "Install PowerShell 7.4+ (https://aka.ms/powershell), or run the standalone emulator program " +
                   "(OneStoreIap.Emulator, which needs the ASP.NET Core 8 runtime) and use its address: " +
                   "Connect-OneStore -Emulator http://127.0.0.1:5080.";
        }

        /// <summary>The facade's Start method; throws <see cref="InvalidOperationException"/> when it cannot be loaded.</summary>
        internal static MethodInfo GetStartMethod(string path)
        {
            lock (Gate)
            {
                if (_start != null) return _start;
                if (!File.Exists(path))
                {
                    throw new InvalidOperationException(
                        "The emulator is missing from the module folder: " + path + " does not exist. Reinstall the module, " +
                        "or run the standalone emulator program (OneStoreIap.Emulator) and use its address.");
                }
                Assembly assembly;
                try
                {
                    assembly = Assembly.LoadFrom(path);
                }
                catch (Exception e) when (e is BadImageFormatException || e is FileLoadException || e is IOException)
                {
                    throw new InvalidOperationException(
                        "The emulator (" + path + ") cannot be loaded in this session: " + e.Message + " It needs PowerShell 7.4 or later (.NET 8); " +
                        "the standalone emulator program (OneStoreIap.Emulator) is the alternative.", e);
                }
                MethodInfo? start = assembly.GetType(FacadeTypeName, throwOnError: false)?.GetMethod("Start", BindingFlags.Public | BindingFlags.Static);
                if (start == null)
                {
                    throw new InvalidOperationException("The emulator assembly " + path + " has no " + FacadeTypeName + ".Start: the module folder mixes versions. Reinstall the module.");
                }
                _start = start;
                return start;
            }
        }

        /// <summary>Starts an in-process emulator (see InProcessEmulator.Start); the facade's own exceptions are unwrapped.</summary>
        internal static EmulatorInstance Start(string assemblyPath, int port, string? seedPath, int tokenLifetimeSeconds, bool sandbox)
        {
            MethodInfo start = GetStartMethod(assemblyPath);
            object?[] arguments = { port, seedPath, tokenLifetimeSeconds, sandbox, null, null, null };
            IDisposable host;
            try
            {
                host = (IDisposable)start.Invoke(null, arguments)!;
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            var baseUri = new Uri((string)arguments[4]!, UriKind.Absolute);
            return new EmulatorInstance(host, baseUri, (string?)arguments[5], (string?)arguments[6], seedPath, sandbox);
        }
    }
}
