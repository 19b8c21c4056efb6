using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Security;

namespace OneStoreIap
{
    /// <summary>Stops this runspace's in-process emulators when the module is removed (Remove-Module, Import-Module -Force).</summary>
    public sealed class EmulatorModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            foreach (EmulatorInstance instance in EmulatorRegistry.Running())
            {
                try
                {
                    instance.Stop();
                }
                catch (Exception)
                {
                    // Removing the module must not fail because a listener would not close; the process ends it anyway.
                }
                EmulatorRegistry.Forget(instance);
            }
        }
    }
}
