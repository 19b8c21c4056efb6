using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Security;

namespace OneStoreIap
{
    /// <summary>
    /// The in-process emulators started in each runspace: the most recent is the default of the cmdlets that drive
    /// one, and Stop-OneStoreEmulator (or removing the module) stops them all.
    /// </summary>
    internal static class EmulatorRegistry
    {
        public static void Add(EmulatorInstance instance)
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null) return;
            lock (state.Gate) state.Emulators.Add(instance);
        }

        /// <summary>The most recently started instance of this runspace that still runs.</summary>
        public static EmulatorInstance? Current()
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null) return null;
            lock (state.Gate)
            {
                for (int i = state.Emulators.Count - 1; i >= 0; i--)
                {
                    if (state.Emulators[i].IsRunning) return state.Emulators[i];
                }
            }
            return null;
        }

        /// <summary>Every running instance of this runspace, oldest first; forgets the stopped ones.</summary>
        public static EmulatorInstance[] Running()
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null) return new EmulatorInstance[0];
            lock (state.Gate)
            {
                state.Emulators.RemoveAll(e => !e.IsRunning);
                return state.Emulators.ToArray();
            }
        }

        public static void Forget(EmulatorInstance instance)
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null) return;
            lock (state.Gate) state.Emulators.Remove(instance);
        }
    }
}
