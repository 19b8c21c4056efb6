<#
.SYNOPSIS
    The demo: starts the emulator, runs the example ops script against it with the staged module, stops the emulator.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $EmulatorPath,
    [Parameter(Mandatory)][string] $OutputPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'tests' 'pester' 'TestHelpers.psm1')
$env:ONESTOREIAP_TEST_EMULATOR = $EmulatorPath
$emulator = Start-TestEmulator
try {
    Write-Host "Emulator listening on $($emulator.BaseUri)"
    Invoke-EmulatorControl -Emulator $emulator -Path 'health'
} finally {
    $emulator | Stop-TestEmulator
}
