<#
.SYNOPSIS
    Runs in a fresh pwsh for the paging benchmark: times Get-OneStoreVoidedPurchase | Measure-Object.
.DESCRIPTION
    Started by Invoke-Bench.ps1, which samples this process's memory from outside while it runs.
    1. Imports the module and connects (not timed), and pages a little to warm up.
    2. First-object probe: at the moment the first object reaches the next command, reads the emulator's
       counters (how many voided pages were asked for by then); Select-Object -First 1 then stops paging.
    3. First full pass of Get-OneStoreVoidedPurchase | Measure-Object: the memory figures (GC heap after a full
       collection before and after; the caller samples working set and private bytes between startTicks and endTicks).
    4. More full passes for at least -WarmupMs after the first and until the JIT has settled (the first runs mostly
       unoptimised code, and PowerShell keeps optimising for seconds), then the timed pass.
    5. Where the time goes: the module with its output discarded (> $null), and the PowerShell floor: the same
       number of distinct objects of the module's output type through Measure-Object, without the module or HTTP.
    Writes one JSON object as the last line of stdout.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $BaseUri,
    [Parameter(Mandatory)][string] $ClientId,
    [Parameter(Mandatory)][string] $ClientSecret,
    [int] $PageSize = 100,
    [int] $WarmupMs = 2000
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Get-VoidedPageCount {
    $counters = Invoke-RestMethod "$BaseUri/_emulator/counters"
    $routes = $counters.routes
    if ($routes.PSObject.Properties['getVoidedPurchases']) { [int]$routes.getVoidedPurchases } else { 0 }
}

Import-Module $ModulePath -ErrorAction Stop
$secret = ConvertTo-SecureString $ClientSecret -AsPlainText -Force
Connect-OneStore -ClientId $ClientId -ClientSecret $secret -BaseUri $BaseUri
# A little paging first: loads and JITs the code paths the runs below use, and the probe's Invoke-RestMethod.
$null = Get-OneStoreVoidedPurchase -PageSize $PageSize | Select-Object -First ($PageSize * 2 + 1)
$null = Get-VoidedPageCount

# The first-object probe.
$null = Invoke-RestMethod -Method Post "$BaseUri/_emulator/counters/reset" -ContentType 'application/json' -Body '{}'
$probe = $null
$stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
$first = Get-OneStoreVoidedPurchase -PageSize $PageSize | ForEach-Object {
    if ($null -eq $probe) {
        $probe = [ordered]@{ FirstObjectMs = $stopwatch.Elapsed.TotalMilliseconds; PagesAtFirstObject = Get-VoidedPageCount }
    }
    $_
} | Select-Object -First 1
$stopwatch.Stop()
if ($null -eq $first) { throw 'Get-OneStoreVoidedPurchase returned nothing.' }
$probe.FirstObjectType = $first.PSObject.TypeNames[0]
$probe.PagesAfterFirstOnly = Get-VoidedPageCount

# The first full pass, memory measured around it.
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$gcBefore = [GC]::GetTotalMemory($true)
$self = [System.Diagnostics.Process]::GetCurrentProcess()
$self.Refresh()
$workingSetBefore = $self.WorkingSet64
$privateBefore = $self.PrivateMemorySize64
$gen0Before = [GC]::CollectionCount(0); $gen2Before = [GC]::CollectionCount(2)
$null = Invoke-RestMethod -Method Post "$BaseUri/_emulator/counters/reset" -ContentType 'application/json' -Body '{}'
$startTicks = [DateTime]::UtcNow.Ticks

$stopwatch.Restart()
$measure = Get-OneStoreVoidedPurchase -PageSize $PageSize | Measure-Object
$stopwatch.Stop()

$endTicks = [DateTime]::UtcNow.Ticks
$firstPassMs = $stopwatch.Elapsed.TotalMilliseconds
$firstPassCount = $measure.Count
$self.Refresh()
$workingSetAfter = $self.WorkingSet64
$privateAfter = $self.PrivateMemorySize64
$gcAfterNoCollect = [GC]::GetTotalMemory($false)
$gen0 = [GC]::CollectionCount(0) - $gen0Before; $gen2 = [GC]::CollectionCount(2) - $gen2Before
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$gcAfter = [GC]::GetTotalMemory($true)
$pages = Get-VoidedPageCount

# Warm passes, then the timed one, under the benchmark's warm-up rule (WarmUp.ps1).
. (Join-Path $PSScriptRoot 'WarmUp.ps1')
$script:warmupPasses = 1
Invoke-WarmUp -MinimumMs $WarmupMs -Round {
    $null = Get-OneStoreVoidedPurchase -PageSize $PageSize | Measure-Object
    $script:warmupPasses++
}
$jitBefore = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
$self.Refresh()
$cpuBefore = $self.TotalProcessorTime
$stopwatch.Restart()
$measure = Get-OneStoreVoidedPurchase -PageSize $PageSize | Measure-Object
$stopwatch.Stop()
$self.Refresh()
$cpuAfter = $self.TotalProcessorTime
$elapsedMs = $stopwatch.Elapsed.TotalMilliseconds
$jitDuringTimedPass = [System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $jitBefore
if ($measure.Count -ne $firstPassCount) { throw "The passes listed $firstPassCount and $($measure.Count) voided purchases." }

# The module alone, its objects discarded as they come (> $null; "$null = ..." would keep all of them until the
# pipeline ends, and the garbage collector would then copy them): a pipeline of another shape, so one untimed pass,
# then the median of 3.
Get-OneStoreVoidedPurchase -PageSize $PageSize > $null
$moduleOnly = foreach ($i in 1..3) {
    $stopwatch.Restart()
    Get-OneStoreVoidedPurchase -PageSize $PageSize > $null
    $stopwatch.Stop()
    $stopwatch.Elapsed.TotalMilliseconds
}
$moduleOnlyMs = @($moduleOnly | Sort-Object)[1]

# The floor: as many distinct objects of the module's output type through the same Measure-Object.
$collected = Get-OneStoreVoidedPurchase -PageSize $PageSize
$objects = [System.Collections.Generic.List[object]]::new($collected.Count)
foreach ($o in $collected) { $objects.Add($o.PSObject.BaseObject) }
$collected = $null
$null = $objects | Measure-Object
$stopwatch.Restart()
$null = $objects | Measure-Object
$stopwatch.Stop()
$floorMs = $stopwatch.Elapsed.TotalMilliseconds

[ordered]@{
    count                = $measure.Count
    pages                = $pages
    elapsedMs            = $elapsedMs
    cpuMs                = ($cpuAfter - $cpuBefore).TotalMilliseconds
    warmupPasses         = $warmupPasses
    jitDuringTimedPass   = $jitDuringTimedPass
    firstPassMs          = $firstPassMs
    floorMs              = $floorMs
    moduleOnlyMs         = $moduleOnlyMs
    startTicks           = $startTicks
    endTicks             = $endTicks
    workingSetBefore     = $workingSetBefore
    workingSetAfter      = $workingSetAfter
    privateBytesBefore   = $privateBefore
    privateBytesAfter    = $privateAfter
    gcHeapBefore         = $gcBefore
    gcHeapAfterNoCollect = $gcAfterNoCollect
    gcHeapAfter          = $gcAfter
    gen0Collections      = $gen0
    gen2Collections      = $gen2
    firstObjectMs        = $probe.FirstObjectMs
    pagesAtFirstObject   = $probe.PagesAtFirstObject
    pagesAfterFirstOnly  = $probe.PagesAfterFirstOnly
    firstObjectType      = $probe.FirstObjectType
} | ConvertTo-Json -Compress
