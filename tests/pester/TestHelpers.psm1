# Shared helpers for the Pester suite: start and drive the emulator as a real process on loopback.
Set-StrictMode -Version Latest

$script:Started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

function Start-TestEmulator {
    <#
    .SYNOPSIS
        Starts the standalone emulator on a free loopback port; returns its base URI and process.
    #>
    [CmdletBinding()]
    param(
        [string] $SeedPath,
        [int] $TokenLifetime,
        [switch] $Sandbox,
        [string[]] $ExtraArgument = @()
    )
    $dll = $env:ONESTOREIAP_TEST_EMULATOR
    if (-not $dll) { throw 'ONESTOREIAP_TEST_EMULATOR is not set: run the suite through build.ps1 Test.' }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--urls', 'http://127.0.0.1:0')) { $psi.ArgumentList.Add($a) }
    if ($SeedPath) { $psi.ArgumentList.Add('--seed'); $psi.ArgumentList.Add($SeedPath) }
    if ($TokenLifetime) { $psi.ArgumentList.Add('--token-lifetime'); $psi.ArgumentList.Add([string]$TokenLifetime) }
    if ($Sandbox) { $psi.ArgumentList.Add('--sandbox') }
    foreach ($a in $ExtraArgument) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $script:Started.Add($process)
    $readLine = $process.StandardOutput.ReadLineAsync()
    if (-not $readLine.Wait([TimeSpan]::FromSeconds(30))) {
        $process.Kill($true)
        throw 'The emulator did not print its URL within 30 s.'
    }
    $line = $readLine.Result
    if ($line -notmatch '(http://\S+)') {
        $err = $process.StandardError.ReadToEnd()
        throw "The emulator did not start: '$line' $err"
    }
    # Keep draining stdout so a chatty emulator never blocks on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    $null = $process.StandardError.ReadToEndAsync()
    [pscustomobject]@{
        PSTypeName = 'OneStoreIap.Tests.Emulator'
        BaseUri    = $Matches[1].TrimEnd('/')
        Process    = $process
    }
}

function Stop-TestEmulator {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Emulator)
    process {
        if ($Emulator -and -not $Emulator.Process.HasExited) {
            $Emulator.Process.Kill($true)
            $null = $Emulator.Process.WaitForExit(10000)
        }
    }
}

function Invoke-EmulatorControl {
    <#
    .SYNOPSIS
        Calls the emulator's control API (/_emulator/...) and returns the parsed JSON reply.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)][string] $Path,
        [string] $Method = 'GET',
        $Body
    )
    $params = @{ Uri = "$($Emulator.BaseUri)/_emulator/$($Path.TrimStart('/'))"; Method = $Method }
    if ($null -ne $Body) {
        $params.Body = ($Body | ConvertTo-Json -Depth 10 -Compress)
        $params.ContentType = 'application/json'
    }
    Invoke-RestMethod @params
}

Export-ModuleMember -Function Start-TestEmulator, Stop-TestEmulator, Invoke-EmulatorControl
