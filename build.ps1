#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, stages, tests, demonstrates, benchmarks and packages the OneStoreIap module.
.DESCRIPTION
    Tasks:
      Build    builds the solution and stages the module into output/OneStoreIap/<version>/
               and the emulator into output/emulator/
      Test     Package, then every xunit and Pester test; ends with 'Tests: N passed, N failed'
      Demo     Build, start the emulator, run examples/ against it, stop the emulator
      Bench    Build, run the side-by-side benchmark (output/bench/results.json)
      Package  Build, then produce the Gallery .nupkg under output/package/
      Publish  Package, then push to the PowerShell Gallery (-ApiKey)
      Clean    remove output/ and every bin/ and obj/
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Publish', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Bench: scales the default counts down (0.01 = a quick run).
    [ValidateRange(0.0001, 1.0)]
    [double] $Scale = 1.0,

    # Test: run only the Pester tests whose file name matches (for local iteration).
    [string] $PesterFilter,

    # Publish: the PowerShell Gallery API key.
    [string] $ApiKey
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$Output = Join-Path $Root 'output'
$ModuleName = 'OneStoreIap'
$Version = ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).Project.PropertyGroup.VersionPrefix |
    Where-Object { $_ } | Select-Object -First 1
$StagePath = Join-Path $Output $ModuleName $Version
$EmulatorPath = Join-Path $Output 'emulator'

function Invoke-Native {
    # Runs a native command and fails loudly on a non-zero exit code.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Invoke-Build {
    Write-Host "== Build $ModuleName $Version ($Configuration)" -ForegroundColor Cyan
    Invoke-Native dotnet @('build', (Join-Path $Root 'OneStoreIap.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')

    if (Test-Path $StagePath) { Remove-Item -Recurse -Force $StagePath }
    $null = New-Item -ItemType Directory -Force $StagePath

    # The cmdlet assembly at the module root; the engine and every third-party dependency (publish resolves them) in
    # dependencies/, where the module's own load context (PowerShell 7) or resolve handler (Windows PowerShell) finds
    # them apart from other modules' copies.
    $publish = Join-Path $Output 'obj' 'module-publish'
    if (Test-Path $publish) { Remove-Item -Recurse -Force $publish }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src' $ModuleName "$ModuleName.csproj"), '-c', $Configuration, '-o', $publish, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $dependencies = Join-Path $StagePath 'dependencies'
    $null = New-Item -ItemType Directory -Force $dependencies
    Get-ChildItem $publish -File -Filter '*.dll' |
        Where-Object { $_.Name -notlike 'System.Management.Automation*' } |
        ForEach-Object { Copy-Item $_.FullName -Destination ($_.Name -in "$ModuleName.dll", "$ModuleName.Loader.dll" ? $StagePath : $dependencies) }

    # The emulator's rules, for Start-OneStoreEmulator to host inside pwsh 7.4+ (net8.0; it needs nothing beyond the
    # .NET runtime, System.Text.Json included, so the one assembly is all it takes). Loaded only when an emulator starts.
    $emulatorCore = Join-Path $Root 'src' 'OneStoreIap.Emulator.Core' 'bin' $Configuration 'net8.0' 'OneStoreIap.Emulator.Core.dll'
    if (-not (Test-Path $emulatorCore)) { throw "The build did not produce $emulatorCore." }
    $null = New-Item -ItemType Directory -Force (Join-Path $StagePath 'emulator')
    Copy-Item $emulatorCore (Join-Path $StagePath 'emulator')

    # Manifest, formats, help: stamped with the one version from Directory.Build.props.
    Get-ChildItem (Join-Path $Root 'module') -File | ForEach-Object {
        if ($_.Extension -eq '.psd1') {
            (Get-Content -Raw $_.FullName) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$Version'" |
                Set-Content -NoNewline -Encoding utf8 (Join-Path $StagePath $_.Name)
        } else {
            Copy-Item $_.FullName $StagePath
        }
    }

    # Help: MAML and about topic generated from docs/en-US (the build's own generator; platyPS is not at hand).
    $helpBuilder = Join-Path $Root 'build' 'HelpBuilder.psm1'
    if (Test-Path $helpBuilder) {
        Import-Module $helpBuilder -Force
        ConvertTo-MamlHelp -Path (Join-Path $Root 'docs' 'en-US') -ModuleName $ModuleName -OutputPath (Join-Path $StagePath 'en-US')
    }

    # The standalone emulator program, for the tests, the demo and the benchmark.
    if (Test-Path $EmulatorPath) { Remove-Item -Recurse -Force $EmulatorPath }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src' 'OneStoreIap.Emulator' 'OneStoreIap.Emulator.csproj'), '-c', $Configuration, '-o', $EmulatorPath, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    Write-Host "Staged $StagePath"
}

function Get-Pwsh {
    # The pwsh that runs this script (the local dotnet tool ships an apphost beside pwsh.dll).
    $exe = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    if (-not (Test-Path $exe)) { throw "No pwsh executable in $PSHOME." }
    $exe
}

function Get-PesterModulePath {
    # Pester comes from NuGet (tests/tools restores it); nothing is fetched at test time.
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tests' 'tools' 'TestTools.csproj'), '--nologo', '-v', 'quiet')
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Get-ChildItem (Join-Path $packages.Trim() 'pester') -Recurse -Filter 'Pester.psd1' |
        Sort-Object FullName -Descending | Select-Object -First 1
    if (-not $manifest) { throw 'Pester was not restored: tests/tools/TestTools.csproj should have brought it.' }
    $manifest.FullName
}

function Get-TrxCount {
    param([string] $Directory)
    $passed = 0; $failed = 0
    foreach ($file in Get-ChildItem $Directory -Filter '*.trx' -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content -Raw $file.FullName)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed }
}

function Invoke-Test {
    # Package builds first, so the suite also tests what the Gallery would get (tests/pester/Package.Tests.ps1).
    Invoke-Package
    $results = Join-Path $Output 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $null = New-Item -ItemType Directory -Force $results

    $failedRuns = @()
    if (-not $PesterFilter) {
        foreach ($project in Get-ChildItem (Join-Path $Root 'tests') -Filter '*.Tests.csproj' -Recurse) {
            Write-Host "== xunit $($project.BaseName)" -ForegroundColor Cyan
            & dotnet test $project.FullName -c $Configuration --no-build --nologo `
                --logger "trx;LogFileName=$($project.BaseName).trx" --logger 'console;verbosity=minimal' `
                --results-directory $results
            if ($LASTEXITCODE -ne 0) { $failedRuns += $project.BaseName }
        }
    }
    $xunit = Get-TrxCount $results

    Write-Host '== Pester (fresh pwsh, staged module)' -ForegroundColor Cyan
    $pesterResult = Join-Path $results 'pester.json'
    $pwsh = Get-Pwsh
    $env:ONESTOREIAP_TEST_PACKAGE = Join-Path $Output 'package'
    & $pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests' 'pester' 'Invoke-PesterSuite.ps1') `
        -PesterPath (Get-PesterModulePath) -ModulePath (Join-Path $StagePath "$ModuleName.psd1") `
        -EmulatorPath (Join-Path $EmulatorPath 'OneStoreIap.Emulator.dll') -ResultPath $pesterResult -Filter $PesterFilter
    $pesterExit = $LASTEXITCODE
    $pester = if (Test-Path $pesterResult) { Get-Content -Raw $pesterResult | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
    if ($pesterExit -ne 0 -and $pester.Failed -eq 0) { $pester.Failed = 1 }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    if ($failedRuns -and $xunit.Failed -eq 0) { $failed += $failedRuns.Count }  # a test host that crashed without a result
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed"
    Write-Host "Tests: $passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $pwsh = Get-Pwsh
    & $pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'examples' 'Invoke-Demo.ps1') `
        -ModulePath (Join-Path $StagePath "$ModuleName.psd1") -EmulatorPath (Join-Path $EmulatorPath 'OneStoreIap.Emulator.dll') `
        -OutputPath (Join-Path $Output 'demo')
    if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE." }
}

function Invoke-Bench {
    Invoke-Build
    $bench = Join-Path $Root 'tests' 'bench' 'Invoke-Bench.ps1'
    if (-not (Test-Path $bench)) { throw 'Bench: the benchmark is not written yet (tests/bench/Invoke-Bench.ps1).' }
    $pwsh = Get-Pwsh
    & $pwsh -NoProfile -NonInteractive -File $bench -Root $Root -ModulePath (Join-Path $StagePath "$ModuleName.psd1") `
        -EmulatorPath (Join-Path $EmulatorPath 'OneStoreIap.Emulator.dll') -OutputPath (Join-Path $Output 'bench') -Scale $Scale -Configuration $Configuration
    if ($LASTEXITCODE -ne 0) { throw "The benchmark failed with exit code $LASTEXITCODE." }
}

function Use-LocalRepository {
    # Runs $Script with a temporary PSResourceGet file repository at $Path registered as $Name; always unregisters it.
    param([string] $Name, [string] $Path, [scriptblock] $Script)
    $null = New-Item -ItemType Directory -Force $Path
    Register-PSResourceRepository -Name $Name -Uri $Path -Trusted -Force
    try { & $Script } finally { Unregister-PSResourceRepository -Name $Name -ErrorAction SilentlyContinue }
}

function Invoke-Package {
    Invoke-Build
    # The .nupkg the Gallery takes, made the way the Gallery makes it: Publish-PSResource to a local file repository.
    $packagePath = Join-Path $Output 'package'
    if (Test-Path $packagePath) { Remove-Item -Recurse -Force $packagePath }
    $null = Test-ModuleManifest -Path (Join-Path $StagePath "$ModuleName.psd1")
    Use-LocalRepository -Name "$ModuleName-build-$PID" -Path $packagePath -Script {
        Publish-PSResource -Path $StagePath -Repository "$ModuleName-build-$PID"
    }
    $nupkg = Get-ChildItem $packagePath -Filter '*.nupkg' | Select-Object -First 1
    if (-not $nupkg) { throw "Publish-PSResource produced no .nupkg in $packagePath." }
    Write-Host "Package: $($nupkg.FullName)"
}

function Invoke-Publish {
    if (-not $ApiKey) { throw 'Publish needs -ApiKey <PowerShell Gallery API key>.' }
    Invoke-Package
    Publish-PSResource -Path $StagePath -Repository PSGallery -ApiKey $ApiKey
    Write-Host "Published $ModuleName $Version to the PowerShell Gallery."
}

function Invoke-Clean {
    if (Test-Path $Output) { Remove-Item -Recurse -Force $Output }
    Get-ChildItem $Root -Directory -Recurse -Include 'bin', 'obj' |
        Where-Object { $_.FullName -notmatch '[\\/]\.git[\\/]' } |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    Write-Host 'Cleaned.'
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Publish' { Invoke-Publish }
    'Clean' { Invoke-Clean }
}
