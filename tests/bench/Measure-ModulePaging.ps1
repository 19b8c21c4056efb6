<#
.SYNOPSIS
    Runs in a fresh pwsh for the paging benchmark: times Get-OneStoreVoidedPurchase | Measure-Object.
.DESCRIPTION
    Started by Invoke-Bench.ps1, which samples this process's memory from outside while it runs.
    1. Imports the module and connects (not timed), and pages a little to warm up.
    2. First-object probe: at the moment the first object reaches the next command, reads the emulator's
       counters (how many voided pages were asked for by then); Select-Object -First 1 then stops paging.
    3. Full run: Get-OneStoreVoidedPurchase | Measure-Object, with the GC heap after a full collection
       and the process's memory before and after.
    Writes one JSON object as the last line of stdout.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $BaseUri,
    [Parameter(Mandatory)][string] $ClientId,
    [Parameter(Mandatory)][string] $ClientSecret,
    [int] $PageSize = 100
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
$null = Invoke-RestMethod -Method Post "$BaseUri/_emulator/counters/reset"
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

# The full run, memory measured around it.
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$gcBefore = [GC]::GetTotalMemory($true)
$self = [System.Diagnostics.Process]::GetCurrentProcess()
$self.Refresh()
$workingSetBefore = $self.WorkingSet64
$privateBefore = $self.PrivateMemorySize64
$cpuBefore = $self.TotalProcessorTime
$gen0Before = [GC]::CollectionCount(0); $gen2Before = [GC]::CollectionCount(2)
$null = Invoke-RestMethod -Method Post "$BaseUri/_emulator/counters/reset"
$startTicks = [DateTime]::UtcNow.Ticks

$stopwatch.Restart()
$measure = Get-OneStoreVoidedPurchase -PageSize $PageSize | Measure-Object
$stopwatch.Stop()

$endTicks = [DateTime]::UtcNow.Ticks
$self.Refresh()
$workingSetAfter = $self.WorkingSet64
$privateAfter = $self.PrivateMemorySize64
$cpuAfter = $self.TotalProcessorTime
$gcAfterNoCollect = [GC]::GetTotalMemory($false)
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$gcAfter = [GC]::GetTotalMemory($true)
$pages = Get-VoidedPageCount

[ordered]@{
    count                = $measure.Count
    pages                = $pages
    elapsedMs            = $stopwatch.Elapsed.TotalMilliseconds
    cpuMs                = ($cpuAfter - $cpuBefore).TotalMilliseconds
    startTicks           = $startTicks
    endTicks             = $endTicks
    workingSetBefore     = $workingSetBefore
    workingSetAfter      = $workingSetAfter
    privateBytesBefore   = $privateBefore
    privateBytesAfter    = $privateAfter
    gcHeapBefore         = $gcBefore
    gcHeapAfterNoCollect = $gcAfterNoCollect
    gcHeapAfter          = $gcAfter
    gen0Collections      = [GC]::CollectionCount(0) - $gen0Before
    gen2Collections      = [GC]::CollectionCount(2) - $gen2Before
    firstObjectMs        = $probe.FirstObjectMs
    pagesAtFirstObject   = $probe.PagesAtFirstObject
    pagesAfterFirstOnly  = $probe.PagesAfterFirstOnly
    firstObjectType      = $probe.FirstObjectType
} | ConvertTo-Json -Compress
