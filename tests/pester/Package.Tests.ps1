# The Gallery package: the staged manifest is complete, the .nupkg that build.ps1 Package made carries the whole
# module (the emulator included), and a module installed from it works in a fresh pwsh.

BeforeAll {
    if (-not $env:ONESTOREIAP_TEST_MODULE) { throw 'ONESTOREIAP_TEST_MODULE is not set: run the suite through build.ps1 Test.' }
    if (-not $env:ONESTOREIAP_TEST_PACKAGE) { throw 'ONESTOREIAP_TEST_PACKAGE is not set: run the suite through build.ps1 Test (it packages first).' }
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $script:ManifestPath = $env:ONESTOREIAP_TEST_MODULE
    $script:StagePath = Split-Path $ManifestPath
    $script:Manifest = Import-PowerShellDataFile -Path $ManifestPath
    $script:Nupkg = Get-ChildItem -Path $env:ONESTOREIAP_TEST_PACKAGE -Filter 'OneStoreIap.*.nupkg' | Select-Object -First 1
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
}

Describe 'The staged manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'carries the version from Directory.Build.props' {
        $props = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '..' '..' 'Directory.Build.props'))
        $version = @($props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ })[0]
        $Manifest.ModuleVersion | Should -BeExactly $version
        Split-Path $StagePath -Leaf | Should -BeExactly $version
    }

    It 'lists its cmdlets explicitly, exactly the cmdlets the module has' {
        $listed = @($Manifest.CmdletsToExport)
        $listed | Should -Not -BeNullOrEmpty
        $listed | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        foreach ($empty in 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $Manifest.ContainsKey($empty) | Should -BeTrue -Because "$empty is explicit"
            @($Manifest[$empty] | Where-Object { $_ -match '[*?]' }) | Should -BeNullOrEmpty
        }
        $module = Import-Module $ManifestPath -Force -PassThru
        $actual = @($module.ExportedCmdlets.Keys | Sort-Object)
        # Every cmdlet class in the assembly is listed: none is left out of the manifest by mistake.
        $defined = @($module.ImplementingAssembly.GetExportedTypes() |
            Where-Object { $_.IsSubclassOf([System.Management.Automation.Cmdlet]) -and -not $_.IsAbstract } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" } |
            Sort-Object)
        $actual | Should -Be @($listed | Sort-Object)
        $defined | Should -Be @($listed | Sort-Object)
    }

    It 'names its formats, editions, PowerShell version and Gallery data' {
        # The views are registered on first use, not at import (see Views.Tests.ps1): the file sits beside the assembly.
        $Manifest.ContainsKey('FormatsToProcess') | Should -BeFalse
        Join-Path $StagePath 'OneStoreIap.Format.ps1xml' | Should -Exist
        $Manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
        [version]$Manifest.PowerShellVersion | Should -BeGreaterOrEqual ([version]'5.1')
        $data = $Manifest.PrivateData.PSData
        $data.Tags | Should -Contain 'PSEdition_Core'
        $data.Tags | Should -Contain 'PSEdition_Desktop'
        $data.Tags | Where-Object { $_ -match '\s' } | Should -BeNullOrEmpty -Because 'Gallery tags have no spaces'
        foreach ($uri in 'LicenseUri', 'ProjectUri') { [uri]::IsWellFormedUriString($data[$uri], 'Absolute') | Should -BeTrue -Because "$uri is a URI" }
        $data.ReleaseNotes | Should -Not -BeNullOrEmpty
        $Manifest.Description | Should -Not -BeNullOrEmpty
        $Manifest.Author | Should -Not -BeNullOrEmpty
    }

    It 'stages the emulator beside the module, alone (it needs nothing the runtime lacks)' {
        $emulator = @(Get-ChildItem (Join-Path $StagePath 'emulator') -File | ForEach-Object Name)
        $emulator | Should -Be @('OneStoreIap.Emulator.Core.dll')
    }
}

Describe 'The .nupkg' {
    It 'is in the package folder, named for the version' {
        $Nupkg | Should -Not -BeNullOrEmpty
        $Nupkg.Name | Should -BeExactly "OneStoreIap.$($Manifest.ModuleVersion).nupkg"
    }

    It 'carries the manifest, the assemblies, the formats, the help and the emulator' {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Nupkg.FullName)
        try { $entries = @($zip.Entries | ForEach-Object FullName) } finally { $zip.Dispose() }
        foreach ($file in 'OneStoreIap.psd1', 'OneStoreIap.dll', 'OneStoreIap.Loader.dll', 'dependencies/OneStoreIap.Engine.dll', 'OneStoreIap.Format.ps1xml',
            'en-US/OneStoreIap.dll-Help.xml', 'en-US/about_OneStoreIap.help.txt', 'emulator/OneStoreIap.Emulator.Core.dll') {
            $entries | Should -Contain $file
        }
    }
}

Describe 'A module installed from the package' {
    BeforeAll {
        $script:Repository = "OneStoreIap-test-$PID-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        Register-PSResourceRepository -Name $Repository -Uri $env:ONESTOREIAP_TEST_PACKAGE -Trusted
        $script:Installed = Join-Path $TestDrive 'modules'
        $null = New-Item -ItemType Directory $Installed
        # PSResourceGet 1.x installs only into the user's or the machine's scope; Save-PSResource -IncludeXml lays
        # the module out in any folder exactly as Install-PSResource would.
        Save-PSResource -Name OneStoreIap -Repository $Repository -Path $Installed -IncludeXml -TrustRepository -Quiet
    }
    AfterAll {
        Unregister-PSResourceRepository -Name $Repository -ErrorAction SilentlyContinue
    }

    It 'is laid out as an installed module' {
        $version = $Manifest.ModuleVersion
        Join-Path $Installed 'OneStoreIap' $version 'OneStoreIap.psd1' | Should -Exist
        Join-Path $Installed 'OneStoreIap' $version 'PSGetModuleInfo.xml' | Should -Exist
        Join-Path $Installed 'OneStoreIap' $version 'emulator' 'OneStoreIap.Emulator.Core.dll' | Should -Exist
    }

    It 'imports by name in a fresh pwsh and looks up a purchase on its own emulator' {
        $script = Join-Path $TestDrive 'installed.ps1'
        @'
$ErrorActionPreference = 'Stop'
Import-Module OneStoreIap
(Get-Module OneStoreIap).ModuleBase
$emulator = Start-OneStoreEmulator
try {
    Connect-OneStore -Emulator $emulator
    $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload from-package
    ($purchase | Get-OneStorePurchase).DeveloperPayload
    (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).AcknowledgeState.ToString()
} finally {
    Stop-OneStoreEmulator
}
'@ | Set-Content -Path $script -Encoding utf8
        $old = $env:PSModulePath
        try {
            $env:PSModulePath = $Installed + [IO.Path]::PathSeparator + $old
            $output = @(& $Pwsh -NoProfile -NonInteractive -File $script 2>&1 | ForEach-Object { "$_" })
            $exit = $LASTEXITCODE
        } finally {
            $env:PSModulePath = $old
        }
        $exit | Should -Be 0 -Because ($output -join [Environment]::NewLine)
        $output[0] | Should -BeExactly (Join-Path $Installed 'OneStoreIap' $Manifest.ModuleVersion)
        $output[1] | Should -BeExactly 'from-package'
        $output[2] | Should -BeExactly 'Acknowledged'
    }
}
