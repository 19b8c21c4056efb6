# The module lives beside other modules: in fresh pwsh processes, other versions of assemblies the engine ships
# (Microsoft.Extensions.DependencyInjection.Abstractions 6.0.0, Microsoft.Extensions.Logging.Abstractions 2.1.0) load
# before or after the module, and both sides keep working; the engine and its dependencies stay in the module's own
# load context; a retry (Polly, with its Microsoft.Bcl.* dependencies, which PowerShell also ships in another version)
# works in pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:ModulePath = $env:ONESTOREIAP_TEST_MODULE

    # The other versions, restored by tests/tools/TestTools.csproj into the NuGet global packages folder.
    $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $script:OtherDI = Join-Path $packages 'microsoft.extensions.dependencyinjection.abstractions' '6.0.0' 'lib' 'net6.0' 'Microsoft.Extensions.DependencyInjection.Abstractions.dll'
    $script:OtherLogging = Join-Path $packages 'microsoft.extensions.logging.abstractions' '2.1.0' 'lib' 'netstandard2.0' 'Microsoft.Extensions.Logging.Abstractions.dll'
    foreach ($path in $OtherDI, $OtherLogging) {
        if (-not (Test-Path $path)) { throw "Missing ${path}: tests/tools/TestTools.csproj should have restored it." }
    }

    $script:Emulator = Start-TestEmulator
    $script:ClientId = 'com.onestoreiap.isolation'
    $script:Secret = 'isolation-secret-' + [guid]::NewGuid().ToString('N')
    $null = Invoke-EmulatorControl $Emulator apps -Method POST -Body @{ clientId = $ClientId; clientSecret = $Secret }
    $script:Purchase = Invoke-EmulatorControl $Emulator purchases -Method POST -Body @{ clientId = $ClientId; productId = 'gem_100' }

    # Runs in a fresh pwsh: loads the other versions before or after the module, runs lookups, and reports as JSON.
    $script:Child = Join-Path $TestDrive 'isolation-child.ps1'
    Set-Content -Path $Child -Encoding utf8 -Value @'
param($Order, $ModulePath, $OtherDI, $OtherLogging, $BaseUri, $ClientId, $Secret, $ProductId, $PurchaseToken)
$ErrorActionPreference = 'Stop'
$report = [ordered]@{}
function Use-Others {
    Add-Type -Path $OtherDI
    Add-Type -Path $OtherLogging
    # Use them, as the other module would.
    $report.OtherDIWorks = [Microsoft.Extensions.DependencyInjection.ServiceDescriptor]::Singleton([string], [string]).Lifetime.ToString()
    $report.OtherLoggingWorks = [Microsoft.Extensions.Logging.Abstractions.NullLogger]::Instance.IsEnabled([Microsoft.Extensions.Logging.LogLevel]::Critical)
}
function Use-Module {
    Import-Module $ModulePath
    Connect-OneStore -ClientId $ClientId -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) -BaseUri $BaseUri -RetryBaseDelaySec 0.05
    $report.PurchaseState = (Get-OneStorePurchase -ProductId $ProductId -PurchaseToken $PurchaseToken).PurchaseState.ToString()
    # The module's own copies load in its context beside the other versions.
    $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'OneStoreIap.Engine' }
    $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
    $report.EngineContext = $context.GetType().FullName
    foreach ($name in 'Microsoft.Extensions.DependencyInjection.Abstractions', 'Microsoft.Extensions.Logging.Abstractions') {
        $report["Module:$name"] = $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new($name)).GetName().Version.ToString()
    }
}
try {
    if ($Order -eq 'OthersFirst') { Use-Others; Use-Module } else { Use-Module; Use-Others }
    # A second lookup after both are loaded.
    $report.SecondLookup = (Get-OneStorePurchase -ProductId $ProductId -PurchaseToken $PurchaseToken).PurchaseState.ToString()
} catch {
    $report.Error = "$($_.FullyQualifiedErrorId): $($_.Exception.ToString())"
}
$dependencies = Join-Path (Split-Path $ModulePath) 'dependencies'
$report.Loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic } | ForEach-Object {
    [ordered]@{
        Name = $_.GetName().Name
        Version = $_.GetName().Version.ToString()
        Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).GetType().FullName
        FromModule = $_.Location.StartsWith($dependencies)
    }
})
$report | ConvertTo-Json -Depth 4 -Compress
'@

    function Invoke-Child([string] $Order) {
        $out = & $Pwsh -NoProfile -NonInteractive -File $Child -Order $Order -ModulePath $ModulePath -OtherDI $OtherDI -OtherLogging $OtherLogging `
            -BaseUri $Emulator.BaseUri -ClientId $ClientId -Secret $Secret -ProductId 'gem_100' -PurchaseToken $Purchase.purchaseToken 2>&1
        $json = @($out | Where-Object { "$_".StartsWith('{') })[-1]
        if (-not $json) { throw "The child pwsh printed no report: $($out -join [Environment]::NewLine)" }
        $json | ConvertFrom-Json -AsHashtable
    }
}

AfterAll {
    $Emulator | Stop-TestEmulator
}

Describe 'Living beside other modules (fresh pwsh processes)' {
    It 'works when other versions of its dependencies loaded first' {
        $r = Invoke-Child 'OthersFirst'

        $r.Contains('Error') | Should -BeFalse -Because $r['Error']
        $r.OtherDIWorks | Should -BeExactly 'Singleton'
        $r.OtherLoggingWorks | Should -BeFalse
        $r.PurchaseState | Should -BeExactly 'Completed'
        $r.SecondLookup | Should -BeExactly 'Completed'
        $r.EngineContext | Should -BeExactly 'OneStoreIap.DependencyLoadContext'
        $r['Module:Microsoft.Extensions.DependencyInjection.Abstractions'] | Should -Not -Be '6.0.0.0'
        $r['Module:Microsoft.Extensions.Logging.Abstractions'] | Should -Not -Be '2.1.0.0'
    }

    It 'leaves other versions loadable and usable after it loaded' {
        $r = Invoke-Child 'ModuleFirst'

        $r.Contains('Error') | Should -BeFalse -Because $r['Error']
        $r.PurchaseState | Should -BeExactly 'Completed'
        $r.OtherDIWorks | Should -BeExactly 'Singleton'
        $r.OtherLoggingWorks | Should -BeFalse
        $r.SecondLookup | Should -BeExactly 'Completed'
    }

    It 'keeps both versions of a shared assembly in one process, each in its own context' {
        $r = Invoke-Child 'ModuleFirst'

        $di = @($r.Loaded | Where-Object Name -EQ 'Microsoft.Extensions.DependencyInjection.Abstractions')
        $di.Count | Should -Be 2
        @($di | Where-Object { $_.Version -eq '6.0.0.0' -and $_.Context -eq 'System.Runtime.Loader.DefaultAssemblyLoadContext' }).Count | Should -Be 1
        @($di | Where-Object { $_.FromModule -and $_.Context -eq 'OneStoreIap.DependencyLoadContext' }).Count | Should -Be 1
    }

    It 'loads nothing from its dependencies folder into the default context' {
        $r = Invoke-Child 'OthersFirst'

        $fromModule = @($r.Loaded | Where-Object FromModule)
        $fromModule.Name | Should -Contain 'OneStoreIap.Engine'
        $fromModule.Name | Should -Contain 'Polly.Core'
        @($fromModule | Where-Object Context -NE 'OneStoreIap.DependencyLoadContext' | ForEach-Object Name) | Should -BeNullOrEmpty
        # The cmdlet assembly itself stays in the default context, where PowerShell finds its cmdlets.
        @($r.Loaded | Where-Object Name -EQ 'OneStoreIap').Context | Should -BeExactly 'System.Runtime.Loader.DefaultAssemblyLoadContext'
    }

    It 'uses the runtime''s own System.Text.Json and System.Memory, not the copies it ships for Windows PowerShell' {
        $r = Invoke-Child 'OthersFirst'

        $r.Contains('Error') | Should -BeFalse -Because $r['Error']
        foreach ($name in 'System.Text.Json', 'System.Memory') {
            $loaded = @($r.Loaded | Where-Object Name -EQ $name)
            $loaded.Count | Should -Be 1 -Because "one $name for the whole process"
            $loaded[0].FromModule | Should -BeFalse -Because "the runtime serves $name"
            $loaded[0].Context | Should -BeExactly 'System.Runtime.Loader.DefaultAssemblyLoadContext'
        }
    }

    It 'retries a 503 in pwsh: Polly and its Microsoft.Bcl dependencies load in the module context' {
        $null = Invoke-EmulatorControl $Emulator counters/reset -Method POST
        $null = Invoke-EmulatorControl $Emulator faults -Method POST -Body @{ route = 'getPurchaseDetails'; status = 503; code = 'ServiceMaintenance'; count = 1 }

        $r = Invoke-Child 'OthersFirst'

        $r.Contains('Error') | Should -BeFalse -Because $r['Error']
        $r.PurchaseState | Should -BeExactly 'Completed'
        (Invoke-EmulatorControl $Emulator counters).faultsInjected | Should -Be 1
        $polly = @($r.Loaded | Where-Object Name -In 'Polly.Core', 'Microsoft.Bcl.AsyncInterfaces', 'Microsoft.Bcl.TimeProvider' | Where-Object FromModule)
        $polly.Name | Should -Contain 'Polly.Core'
        $polly.Name | Should -Contain 'Microsoft.Bcl.TimeProvider'
        @($polly | Where-Object Context -NE 'OneStoreIap.DependencyLoadContext') | Should -BeNullOrEmpty
    }
}
