using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Start-OneStoreEmulator: hosts the emulator inside this pwsh process (HttpListener on 127.0.0.1).</summary>
    [Cmdlet(VerbsLifecycle.Start, "OneStoreEmulator")]
    [OutputType(typeof(EmulatorInstance))]
    public sealed class StartOneStoreEmulatorCommand : OneStoreCmdletBase
    {
        /// <summary>The loopback port to listen on; 0 (the default) picks a free one.</summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int Port { get; set; }

        /// <summary>A JSON seed file (apps, products, purchases) instead of the built-in seed.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SeedPath { get; set; }

        /// <summary>Lifetime of the access tokens it issues, in seconds (the spec's 3,600 by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TokenLifetime { get; set; } = 3600;

        /// <summary>Sandbox rules: deferPeriod counts minutes instead of days.</summary>
        [Parameter]
        public SwitchParameter Sandbox { get; set; }

        /// <summary>Where the seed's first app's PNS notifications go (http or https).</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? NotificationUri { get; set; }

        protected override void EndProcessing()
        {
            string? unsupported = EmulatorLoader.GetUnsupportedReason();
            if (unsupported != null)
            {
                ThrowTerminatingError(new ErrorRecord(new PlatformNotSupportedException(unsupported),
                    "EmulatorNeedsPowerShell74", ErrorCategory.NotInstalled, null));
            }

            string? seedPath = null;
            if (SeedPath != null)
            {
                seedPath = GetUnresolvedProviderPathFromPSPath(SeedPath);
                if (!File.Exists(seedPath))
                {
                    ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The seed file " + seedPath + " does not exist.", seedPath),
                        "SeedNotFound", ErrorCategory.ObjectNotFound, SeedPath));
                }
            }

            string assemblyPath = EmulatorLoader.GetAssemblyPath(MyInvocation.MyCommand.Module?.ModuleBase);
            EmulatorInstance instance;
            try
            {
                instance = EmulatorLoader.Start(assemblyPath, Port, seedPath, TokenLifetime, Sandbox.IsPresent);
            }
            catch (InvalidOperationException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "EmulatorLoadFailed", ErrorCategory.NotInstalled, assemblyPath));
                return;
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidSeed", ErrorCategory.InvalidData, SeedPath));
                return;
            }
            catch (Exception e) when (e is System.Net.HttpListenerException || e is System.Net.Sockets.SocketException)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("The emulator cannot listen on 127.0.0.1:" + Port + ": " + e.Message, e),
                    "EmulatorStartFailed", ErrorCategory.ResourceUnavailable, Port));
                return;
            }
            EmulatorRegistry.Add(instance);
            try
            {
                if (instance.ClientId != null && NotificationUri != null) EmulatorApps.SetNotificationUri(instance.BaseUri, instance.ClientId, NotificationUri);
                instance.GetLicenseKey();
            }
            catch (InvalidOperationException e)
            {
                instance.Stop();
                EmulatorRegistry.Forget(instance);
                ThrowTerminatingError(new ErrorRecord(e, "InvalidArgument", ErrorCategory.InvalidArgument, NotificationUri));
            }
            WriteVerbose("The emulator listens on " + instance.BaseUri + " (app " + instance.ClientId + ").");
            WriteObject(instance);
        }
    }
}
