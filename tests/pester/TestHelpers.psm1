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
    if ($null -ne $Body -or $Method -ne 'GET') {
        # The control API takes only JSON for anything but a GET.
        $params.Body = if ($null -ne $Body) { $Body | ConvertTo-Json -Depth 10 -Compress } else { '{}' }
        $params.ContentType = 'application/json'
    }
    Invoke-RestMethod @params
}

function New-TestApp {
    <#
    .SYNOPSIS
        Registers a fresh app in the emulator (so a test owns every purchase it sees); returns its id and secrets.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [string] $ClientId = ('com.pester.' + [guid]::NewGuid().ToString('N').Substring(0, 12)),
        [string[]] $Markets = @('MKT_ONE', 'MKT_GLB'),
        [switch] $Blocked
    )
    $secret = 'secret-' + [guid]::NewGuid().ToString('N')
    $body = @{ clientId = $ClientId; clientSecret = $secret; markets = $Markets }
    if ($Blocked) { $body.blocked = $true }
    $null = Invoke-EmulatorControl -Emulator $Emulator -Path 'apps' -Method POST -Body $body
    $secure = ConvertTo-SecureString -String $secret -AsPlainText -Force
    [pscustomobject]@{
        PSTypeName   = 'OneStoreIap.Tests.App'
        ClientId     = $ClientId
        ClientSecret = $secret
        SecureSecret = $secure
        Credential   = [pscredential]::new($ClientId, $secure)
    }
}

function New-TestPurchase {
    <#
    .SYNOPSIS
        A user buying: adds one purchase through the control API and returns the emulator's view of it.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] $App,
        [string] $ProductId = 'gem_100',
        [ValidateSet('inapp', 'auto', 'subscription')][string] $Type = 'inapp',
        [string] $MarketCode = 'MKT_ONE',
        [hashtable] $Property = @{}
    )
    $body = @{ clientId = $App.ClientId; productId = $ProductId; type = $Type; marketCode = $MarketCode }
    foreach ($key in $Property.Keys) { $body[$key] = $Property[$key] }
    Invoke-EmulatorControl -Emulator $Emulator -Path 'purchases' -Method POST -Body $body
}

function Get-EmulatorPurchase {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)][string] $PurchaseToken)
    Invoke-EmulatorControl -Emulator $Emulator -Path "purchases/$([uri]::EscapeDataString($PurchaseToken))"
}

function Get-EmulatorCounter {
    <#
    .SYNOPSIS
        The emulator's counters; -Route returns the count of one spec operation (0 when never called).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [string] $Route)
    $counters = Invoke-EmulatorControl -Emulator $Emulator -Path 'counters'
    if (-not $Route) { return $counters }
    $property = $counters.routes.PSObject.Properties[$Route]
    if ($property) { [int]$property.Value } else { 0 }
}

function Reset-EmulatorCounter {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-EmulatorControl -Emulator $Emulator -Path 'counters/reset' -Method POST
}

function Add-EmulatorFault {
    <#
    .SYNOPSIS
        Injects a fault (see docs/emulator.md); returns its id.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)][hashtable] $Fault)
    (Invoke-EmulatorControl -Emulator $Emulator -Path 'faults' -Method POST -Body $Fault).id
}

function Clear-EmulatorFault {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-EmulatorControl -Emulator $Emulator -Path 'faults' -Method DELETE
}

function Get-EmulatorRequest {
    <#
    .SYNOPSIS
        The last N API requests the emulator saw, oldest first.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [int] $Last = 100)
    $reply = Invoke-EmulatorControl -Emulator $Emulator -Path "requests?last=$Last"
    # Either a bare array or an object that wraps one.
    if ($reply -is [array]) { return $reply }
    foreach ($name in 'requests', 'items') {
        if ($reply.PSObject.Properties[$name]) { return @($reply.$name) }
    }
    @($reply)
}

function Wait-TestCondition {
    <#
    .SYNOPSIS
        Waits until -Condition returns true, at most -TimeoutSeconds; returns whether it did.
    .DESCRIPTION
        For tests that must see a state the emulator or the module reaches on its own (nothing in flight, a page
        fetched): they wait for that state, never for a guessed time. The condition is checked every 25 ms.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory, Position = 0)][scriptblock] $Condition,
        [double] $TimeoutSeconds = 30
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -ge $deadline) { return $false }
        Start-Sleep -Milliseconds 25 # the poll interval of a bounded wait for a condition
    }
    $true
}

function Get-ThrownError {
    <#
    .SYNOPSIS
        Runs a script block that is expected to throw; returns the ErrorRecord it threw, or $null if it did not.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][scriptblock] $ScriptBlock)
    try {
        $null = & $ScriptBlock
    } catch {
        return $_
    }
    $null
}

function Get-ErrorTargetToken {
    <#
    .SYNOPSIS
        The purchase token an ErrorRecord's target object names (the target is the input item: a token, or an
        object that carries PurchaseToken).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)][System.Management.Automation.ErrorRecord] $ErrorRecord)
    process {
        $target = $ErrorRecord.TargetObject
        if ($null -eq $target) { return $null }
        if ($target -is [string]) { return $target }
        $property = $target.PSObject.Properties['PurchaseToken']
        if ($property) { return [string]$property.Value }
        [string]$target
    }
}

function Get-EmulatorPurchaseState {
    <#
    .SYNOPSIS
        The emulator's state of many purchases at once, a few requests in flight at a time: token -> parsed state
        (-Raw: token -> the JSON text).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)][string[]] $Token, [switch] $Raw)
    $handler = [System.Net.Http.SocketsHttpHandler]::new()
    $handler.MaxConnectionsPerServer = 8
    $http = [System.Net.Http.HttpClient]::new($handler)
    $states = [System.Collections.Generic.Dictionary[string, object]]::new([StringComparer]::Ordinal)
    try {
        for ($i = 0; $i -lt $Token.Count; $i += 64) {
            $chunk = @($Token[$i..([Math]::Min($i + 63, $Token.Count - 1))])
            $tasks = [System.Threading.Tasks.Task[string][]]@(foreach ($t in $chunk) {
                    $http.GetStringAsync("$($Emulator.BaseUri)/_emulator/purchases/$([uri]::EscapeDataString($t))")
                })
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks)
            for ($j = 0; $j -lt $chunk.Count; $j++) { $states[$chunk[$j]] = if ($Raw) { $tasks[$j].Result } else { $tasks[$j].Result | ConvertFrom-Json } }
        }
    } finally {
        $http.Dispose()
    }
    $states
}

function New-BulkPurchase {
    <#
    .SYNOPSIS
        Many purchases of one product at once (the control API's bulk route); returns rows that pipe into the cmdlets.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] $App, [string] $ProductId, [string] $Type = 'inapp',
        [int] $Count, [switch] $Acknowledged)
    $body = @{ clientId = $App.ClientId; productId = $ProductId; type = $Type; marketCode = 'MKT_ONE'; count = $Count }
    if ($Acknowledged) { $body.acknowledged = $true }
    $reply = Invoke-EmulatorControl -Emulator $Emulator -Path 'purchases/bulk' -Method POST -Body $body
    $typeName = @{ inapp = 'InApp'; auto = 'Auto'; subscription = 'Subscription' }[$Type]
    foreach ($t in $reply.purchaseTokens) {
        [pscustomobject]@{ ProductId = $ProductId; PurchaseToken = $t; Type = $typeName }
    }
}

function Start-TestPwsh {
    <#
    .SYNOPSIS
        Starts a fresh pwsh that runs -Script with the staged module imported and -Environment set (the proxy
        variables cleared first); returns the process, and its output and error text as tasks.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $Script, [hashtable] $Environment = @{})
    $psi = [Diagnostics.ProcessStartInfo]::new((Get-Process -Id $PID).Path)
    $full = "`$ErrorActionPreference = 'Stop'; Import-Module '$($env:ONESTOREIAP_TEST_MODULE)'`n" + $Script
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $full) { $psi.ArgumentList.Add($a) }
    foreach ($name in 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'NO_PROXY', 'no_proxy') { $null = $psi.Environment.Remove($name) }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Error = $process.StandardError.ReadToEndAsync() }
}

Export-ModuleMember -Function Start-TestEmulator, Stop-TestEmulator, Invoke-EmulatorControl, New-TestApp, New-TestPurchase,
    Get-EmulatorPurchase, Get-EmulatorCounter, Reset-EmulatorCounter, Add-EmulatorFault, Clear-EmulatorFault,
    Get-EmulatorRequest, Wait-TestCondition, Get-ThrownError, Get-ErrorTargetToken, Get-EmulatorPurchaseState, New-BulkPurchase,
    Start-TestPwsh
