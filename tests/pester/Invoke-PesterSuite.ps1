<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) pwsh process against the staged module and writes the counts as JSON.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $PesterPath,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $EmulatorPath,
    [Parameter(Mandatory)][string] $ResultPath,
    [string] $Filter
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module $PesterPath -Force
# The test files read these to import the staged module (never the source folders) and start the emulator.
$env:ONESTOREIAP_TEST_MODULE = (Resolve-Path $ModulePath).Path
# Child pwsh processes the tests start write plain text: escape characters in a failure message would break the XML report.
$env:NO_COLOR = '1'
$env:ONESTOREIAP_TEST_EMULATOR = (Resolve-Path $EmulatorPath).Path

$paths = @(Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' -Recurse |
    Where-Object { $name = $_.Name; -not $Filter -or @($Filter -split ',' | Where-Object { $name -like "*$($_.Trim())*" }).Count -gt 0 } | ForEach-Object FullName)
if (-not $paths) { throw "No Pester test file matches '$Filter' under $PSScriptRoot." }
$config = New-PesterConfiguration
$config.Run.Path = $paths
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultPath, '.xml')
$config.TestResult.OutputFormat = 'NUnitXml'

$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Encoding utf8 $ResultPath
exit ([int]($failed -gt 0))
