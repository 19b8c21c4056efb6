using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace OneStoreIap
{
    /// <summary>
    /// Everything the module keeps per runspace, in one place (as PSOpenAD's GlobalState): a connection or emulator
    /// made in one runspace is never the default of another, and the state goes when its runspace does.
    /// </summary>
    internal sealed class RunspaceState
    {
        private static readonly ConditionalWeakTable<Runspace, RunspaceState> States = new ConditionalWeakTable<Runspace, RunspaceState>();

        /// <summary>The state of the calling thread's runspace; null on a thread without one.</summary>
        public static RunspaceState? Current
        {
            get
            {
                Runspace? runspace = Runspace.DefaultRunspace;
                return runspace == null ? null : States.GetValue(runspace, _ => new RunspaceState());
            }
        }

        /// <summary>Guards the fields below: a runspace may run pipelines from more than one thread over its life.</summary>
        public object Gate { get; } = new object();

        /// <summary>The default connection (Connect-OneStore's, until Disconnect-OneStore).</summary>
        public OneStoreConnection? DefaultConnection { get; set; }

        /// <summary>The in-process emulators started here, oldest first (<see cref="EmulatorRegistry"/>).</summary>
        public List<EmulatorInstance> Emulators { get; } = new List<EmulatorInstance>();

        /// <summary>Whether the module's views were registered with this runspace (<see cref="ModuleViews"/>).</summary>
        public bool ViewsRegistered { get; set; }
    }
}
