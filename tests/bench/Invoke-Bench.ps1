#Requires -Version 7.4
<#
.SYNOPSIS
    The side-by-side benchmark: the module against what a user would write without it, and against raw HttpClient.
.DESCRIPTION
    One emulator for the whole run, every contender measured in this run, so the ratios hold on a noisy machine.
      1. Lookups of distinct in-app purchases from pipeline input: naive foreach + Invoke-RestMethod,
         ForEach-Object -Parallel -ThrottleLimit 8 + Invoke-RestMethod (what a practised user writes instead),
         the module at -ThrottleLimit 1 and at its default, raw HttpClient (tests/bench/RawClient) at 1, 8 and 16
         requests in flight. Rounds rotate the order of the contenders; each contender warms up before it is timed.
      2. Paging the voided list: Get-OneStoreVoidedPurchase | Measure-Object in a fresh pwsh (memory sampled from
         outside), against a raw HttpClient paging loop.
      3. Import: Import-Module of the staged module in fresh pwsh processes against a bare pwsh start.
    Prints a table and PASS/FAIL lines for the targets, and writes results.json under -OutputPath.
    Exits 0 when it ran, whatever the targets say; non-zero when it could not run.
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench -Scale 0.02
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $Root,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $EmulatorPath,
    [Parameter(Mandatory)][string] $OutputPath,
    [ValidateRange(0.0001, 1.0)][double] $Scale = 1.0,
    [ValidateSet('Debug', 'Release')][string] $Configuration = 'Release',
    # Timed runs per contender (median reported).
    [ValidateRange(1, 20)][int] $Rounds = 3,
    # Fresh pwsh starts per import contender (median reported; at least 10).
    [ValidateRange(10, 200)][int] $ImportRuns = 15,
    # Use an emulator that is already running instead of starting -EmulatorPath (for working on the bench itself).
    [string] $EmulatorUri,
    # Adds this much latency to every lookup reply (the emulator's latency fault), to see the lookups as they behave
    # over a real network instead of loopback. 0 (the default) measures loopback, as the targets assume.
    [ValidateRange(0, 1000)][int] $LookupLatencyMs = 0
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ClientId = 'com.onestore.sample'
$ClientSecret = 'sample-client-secret-0000'
$Market = 'MKT_ONE'
$PageSize = 100
$LookupCount = [Math]::Max(20, [int][Math]::Ceiling(10000 * $Scale))
$VoidedCount = [Math]::Max(300, [int][Math]::Ceiling(100000 * $Scale))
# Warm-up before each timed run, not timed: these rows again and again for at least $WarmupMs and until the JIT has
# settled (Invoke-WarmUp), in every process (a fresh process would otherwise run much of its timed part in unoptimised code).
$LookupWarmup = [Math]::Min($LookupCount, [Math]::Max(50, [Math]::Min(200, [int][Math]::Ceiling($LookupCount * 0.05))))
$WarmupMs = 2000
$ChildTimeout = [TimeSpan]::FromMinutes(10)
$Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$ModulePath = (Resolve-Path $ModulePath).Path
# Child processes get these paths on their command line: make them absolute.
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$EmulatorPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($EmulatorPath)
$FirstLookupError = $null

#region helpers

. (Join-Path $PSScriptRoot 'WarmUp.ps1')

function Write-Step([string] $Message) { Write-Host "== $Message" -ForegroundColor Cyan }

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count -eq 0) { return [double]::NaN }
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Start-BenchEmulator {
    # The standalone emulator on a free loopback port; its first stdout line names the URL.
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($EmulatorPath, '--urls', 'http://127.0.0.1:0')) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $readLine = $process.StandardOutput.ReadLineAsync()
    if (-not $readLine.Wait([TimeSpan]::FromSeconds(60))) {
        $process.Kill($true)
        throw 'The emulator did not print its URL within 60 s.'
    }
    if ($readLine.Result -notmatch '(https?://\S+)') {
        $err = if ($process.WaitForExit(5000)) { $process.StandardError.ReadToEnd() } else { '' }
        if (-not $process.HasExited) { $process.Kill($true) }
        throw "The emulator did not start: '$($readLine.Result)' $err"
    }
    $uri = $Matches[1].TrimEnd('/')
    # Keep draining its output so it never blocks on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    $null = $process.StandardError.ReadToEndAsync()
    [pscustomobject]@{ BaseUri = $uri; Process = $process }
}

function Invoke-Control([string] $Path, [string] $Method = 'GET', $Body) {
    $params = @{ Uri = "$BaseUri/_emulator/$Path"; Method = $Method }
    if ($null -ne $Body -or $Method -ne 'GET') {
        $json = if ($null -ne $Body) { $Body | ConvertTo-Json -Depth 5 -Compress } else { '{}' }
        $params.Body = [System.Text.Encoding]::UTF8.GetBytes($json)
        $params.ContentType = 'application/json; charset=utf-8'
    }
    Invoke-RestMethod @params
}

function Get-RouteCount($Counters, [string] $Route) {
    $p = $Counters.routes.PSObject.Properties[$Route]
    if ($p) { [int]$p.Value } else { 0 }
}

function Get-EmulatorCpuMs {
    if (-not $Emulator) { return $null }
    $Emulator.Process.Refresh()
    $Emulator.Process.TotalProcessorTime.TotalMilliseconds
}

function Invoke-Child {
    <#
        Runs a child process to completion with a timeout; returns its exit code, output, and, when -SampleMemory,
        its working set and private bytes sampled every ~20 ms (UTC ticks, bytes).
    #>
    param([string] $FilePath, [string[]] $ArgumentList, [switch] $SampleMemory, [hashtable] $Environment)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    if ($Environment) { foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] } }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $samples = [System.Collections.Generic.List[long[]]]::new()
    $deadline = [DateTime]::UtcNow + $ChildTimeout
    if ($SampleMemory) {
        while (-not $process.WaitForExit(20)) {
            try {
                $process.Refresh()
                $samples.Add([long[]]@([DateTime]::UtcNow.Ticks, $process.WorkingSet64, $process.PrivateMemorySize64))
            } catch [System.InvalidOperationException] { }
            if ([DateTime]::UtcNow -gt $deadline) { break }
        }
    } else {
        $null = $process.WaitForExit([int]$ChildTimeout.TotalMilliseconds)
    }
    if (-not $process.HasExited) {
        $process.Kill($true)
        throw "$FilePath $($ArgumentList -join ' ') did not finish within $ChildTimeout."
    }
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $stdout.Result; StdErr = $stderr.Result; Samples = $samples }
}

function ConvertFrom-ChildJson($Result, [string] $What) {
    $line = @($Result.StdOut -split "`n" | Where-Object { $_.Trim().StartsWith('{') }) | Select-Object -Last 1
    if ($Result.ExitCode -ne 0 -or -not $line) {
        throw "$What failed (exit $($Result.ExitCode)): $($Result.StdErr.Trim()) $($Result.StdOut.Trim())"
    }
    $line | ConvertFrom-Json
}

function Get-MachineInfo {
    $cpu = $null
    if (Test-Path /proc/cpuinfo) {
        $cpu = (Select-String -Path /proc/cpuinfo -Pattern '^model name\s*:\s*(.+)$' | Select-Object -First 1)?.Matches[0].Groups[1].Value
    }
    $totalMemory = $null
    if (Test-Path /proc/meminfo) {
        $kb = (Select-String -Path /proc/meminfo -Pattern '^MemTotal:\s*(\d+)' | Select-Object -First 1)?.Matches[0].Groups[1].Value
        if ($kb) { $totalMemory = [long]$kb * 1024 }
    }
    if (-not $totalMemory) { $totalMemory = [GC]::GetGCMemoryInfo().TotalAvailableMemoryBytes }
    [ordered]@{
        date           = [DateTimeOffset]::UtcNow.ToString('o')
        cores          = [Environment]::ProcessorCount
        cpu            = $cpu
        memoryBytes    = $totalMemory
        memoryGB       = [Math]::Round($totalMemory / 1GB, 1)
        os             = [System.Runtime.InteropServices.RuntimeInformation]::OSDescription
        architecture   = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
        pwsh           = $PSVersionTable.PSVersion.ToString()
        dotnet         = [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
        configuration  = $Configuration
    }
}

#endregion

#region contenders: lookups

function Invoke-NaiveLookup([object[]] $Rows) {
    # What a user writes without the module: one token up front, then one Invoke-RestMethod per row.
    $headers = @{ Authorization = "Bearer $NaiveToken"; 'x-market-code' = $Market }
    $prefix = "$BaseUri/v7/apps/$ClientId/purchases/inapp/products"
    $errors = 0
    $out = foreach ($row in $Rows) {
        try {
            Invoke-RestMethod -Uri "$prefix/$([uri]::EscapeDataString($row.ProductId))/$([uri]::EscapeDataString($row.PurchaseToken))" `
                -Headers $headers -ContentType 'application/json'
        } catch {
            $errors++
            if ($errors -eq 1) { $script:FirstLookupError = $_.ToString() }
        }
    }
    [pscustomobject]@{ Count = @($out).Count; Errors = $errors; Sample = @($out)[0] }
}

function Invoke-ParallelLookup([object[]] $Rows) {
    # What a practised PowerShell user writes instead of the module: one token up front, then
    # ForEach-Object -Parallel -ThrottleLimit 8 with one Invoke-RestMethod per row.
    $headers = @{ Authorization = "Bearer $NaiveToken"; 'x-market-code' = $Market }
    $prefix = "$BaseUri/v7/apps/$ClientId/purchases/inapp/products"
    $out = $Rows | ForEach-Object -ThrottleLimit 8 -Parallel {
        $row = $_
        try {
            Invoke-RestMethod -Uri "$($using:prefix)/$([uri]::EscapeDataString($row.ProductId))/$([uri]::EscapeDataString($row.PurchaseToken))" `
                -Headers $using:headers -ContentType 'application/json'
        } catch {
            [pscustomobject]@{ ParallelLookupError = $_.ToString() }
        }
    }
    $failed = @($out | Where-Object { $_.PSObject.Properties['ParallelLookupError'] })
    if ($failed.Count) { $script:FirstLookupError = $failed[0].ParallelLookupError }
    [pscustomobject]@{ Count = @($out).Count - $failed.Count; Errors = $failed.Count; Sample = @($out)[0] }
}

function Invoke-ModuleLookup([object[]] $Rows, [int] $ThrottleLimit) {
    $params = @{ ErrorAction = 'SilentlyContinue'; ErrorVariable = 'lookupErrors' }
    if ($ThrottleLimit -gt 0) { $params.ThrottleLimit = $ThrottleLimit }
    $out = $Rows | Get-OneStorePurchase @params
    if ($lookupErrors.Count) { $script:FirstLookupError = $lookupErrors[0].ToString() }
    [pscustomobject]@{ Count = @($out).Count; Errors = $lookupErrors.Count; Sample = @($out)[0] }
}

function Measure-PowerShellLookup {
    # Warm-up, then one timed run in this process; CPU and emulator counters around the timed part only.
    param([string] $Name, [int] $Concurrency, [scriptblock] $Run)
    Invoke-WarmUp -MinimumMs $WarmupMs -Round { & $Run $WarmupRows }
    $null = Invoke-Control 'counters/reset' -Method Post
    $emulatorCpu = Get-EmulatorCpuMs
    $self = [System.Diagnostics.Process]::GetCurrentProcess()
    $cpu = $self.TotalProcessorTime
    $jitMethods = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
    $jitTime = [System.Runtime.JitInfo]::GetCompilationTime($false)
    $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
    $result = & $Run $Rows
    $stopwatch.Stop()
    $jitMethods = [System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $jitMethods
    $jitMs = ([System.Runtime.JitInfo]::GetCompilationTime($false) - $jitTime).TotalMilliseconds
    $self.Refresh()
    $clientCpuMs = ($self.TotalProcessorTime - $cpu).TotalMilliseconds
    $emulatorCpuMs = if ($null -ne $emulatorCpu) { (Get-EmulatorCpuMs) - $emulatorCpu }
    $counters = Invoke-Control 'counters'
    if ($result.Count -ne $Rows.Count -or $result.Errors) {
        throw "$Name returned $($result.Count) of $($Rows.Count) purchases with $($result.Errors) errors; first: $script:FirstLookupError"
    }
    $timed = New-LookupRun $Name $Concurrency $result.Count $result.Errors $stopwatch.Elapsed.TotalMilliseconds $clientCpuMs $emulatorCpuMs $counters `
        $(if ($result.Sample) { $result.Sample.PSObject.TypeNames[0] })
    # What the JIT compiled inside the timed run, in this process (RawClient runs in its own).
    $timed | Add-Member -NotePropertyName jitMethods -NotePropertyValue $jitMethods
    $timed | Add-Member -NotePropertyName jitMs -NotePropertyValue ([Math]::Round($jitMs, 1))
    $timed
}

function Measure-RawLookup([int] $Concurrency) {
    $null = Invoke-Control 'counters/reset' -Method Post
    $emulatorCpu = Get-EmulatorCpuMs
    $run = Invoke-Child 'dotnet' @($RawClient, 'lookup', '--base-uri', $BaseUri, '--client-id', $ClientId, '--token', $NaiveToken,
        '--market', $Market, '--input', $CsvPath, '--concurrency', [string]$Concurrency, '--warmup', [string]$LookupWarmup, '--warmup-ms', [string]$WarmupMs)
    $emulatorCpuMs = if ($null -ne $emulatorCpu) { (Get-EmulatorCpuMs) - $emulatorCpu }
    $counters = Invoke-Control 'counters'
    $json = ConvertFrom-ChildJson $run "RawClient lookup --concurrency $Concurrency"
    if ($json.count -ne $Rows.Count) { throw "RawClient looked up $($json.count) of $($Rows.Count) purchases." }
    # The emulator saw the warm-up too: scale its CPU to the timed requests.
    $seen = Get-RouteCount $counters 'getPurchaseDetails'
    if ($seen -gt 0 -and $null -ne $emulatorCpuMs) { $emulatorCpuMs = $emulatorCpuMs * $json.count / $seen }
    New-LookupRun "raw HttpClient, $Concurrency in flight" $Concurrency $json.count $json.errors $json.elapsedMs $json.cpuMs $emulatorCpuMs $counters 'RawClient.InAppPurchase'
}

function New-LookupRun($Name, $Concurrency, $Count, $Errors, $ElapsedMs, $ClientCpuMs, $EmulatorCpuMs, $Counters, $OutputType) {
    [pscustomobject][ordered]@{
        contender             = $Name
        concurrency           = $Concurrency
        count                 = [int]$Count
        errors                = [int]$Errors
        elapsedMs             = [Math]::Round([double]$ElapsedMs, 1)
        requestsPerSecond     = [Math]::Round($Count / ($ElapsedMs / 1000), 1)
        clientCpuMsPerRequest = [Math]::Round($ClientCpuMs / $Count, 4)
        emulatorCpuMsPerRequest = if ($null -ne $EmulatorCpuMs) { [Math]::Round($EmulatorCpuMs / $Count, 4) }
        peakInFlight          = [int]$Counters.peakInFlight
        tokenRequests         = [int]$Counters.tokenRequests
        emulatorRequests      = Get-RouteCount $Counters 'getPurchaseDetails'
        outputType            = $OutputType
    }
}

#endregion

$Emulator = $null
$exitCode = 0
try {
    $null = New-Item -ItemType Directory -Force $OutputPath
    $machine = Get-MachineInfo
    Write-Step "Benchmark: scale $Scale, $LookupCount lookups, $VoidedCount voided purchases, $Rounds rounds ($($machine.cores) cores, $($machine.os))"

    # The raw HttpClient helper, built here so that it stays out of the solution and of build.ps1 Test.
    $rawOut = Join-Path $OutputPath 'rawclient'
    & dotnet build (Join-Path $PSScriptRoot 'RawClient' 'RawClient.csproj') -c $Configuration -o $rawOut --nologo -v quiet -clp:ErrorsOnly | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Building tests/bench/RawClient failed (exit $LASTEXITCODE)." }
    $RawClient = Join-Path $rawOut 'RawClient.dll'

    if ($EmulatorUri) {
        $BaseUri = $EmulatorUri.TrimEnd('/')
    } else {
        $Emulator = Start-BenchEmulator
        $BaseUri = $Emulator.BaseUri
    }
    $null = Invoke-Control 'health'
    Write-Host "Emulator at $BaseUri"

    #region seed
    Write-Step 'Seeding the emulator'
    # Distinct in-app purchases over a few products, one of them with a Korean id as in the spec's examples.
    $products = @('gem_100', 'gem_500', 'coin_pack_small', '다이아100_20170818000000')
    $rowList = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $products.Count; $i++) {
        $n = [int][Math]::Floor($LookupCount / $products.Count) + [int]($i -lt ($LookupCount % $products.Count))
        if ($n -eq 0) { continue }
        $bulk = Invoke-Control 'purchases/bulk' -Method Post -Body @{ clientId = $ClientId; productId = $products[$i]; type = 'inapp'; marketCode = $Market; count = $n }
        $tokens = @($bulk.purchaseTokens)
        if ($tokens.Count -ne $n) { throw "The emulator returned $($tokens.Count) purchase tokens for $n purchases." }
        foreach ($t in $tokens) { $rowList.Add([pscustomobject]@{ ProductId = $products[$i]; PurchaseToken = $t }) }
    }
    # Interleave the products, as a real export would be.
    $random = [System.Random]::new(20250314)
    $Rows = @($rowList | Sort-Object { $random.Next() })
    $CsvPath = Join-Path $OutputPath 'lookups.csv'
    $Rows | Export-Csv -Path $CsvPath -Encoding utf8 -UseQuotes AsNeeded
    $Rows = @(Import-Csv -Path $CsvPath -Encoding utf8)
    $WarmupRows = @($Rows | Select-Object -First $LookupWarmup)

    $seeded = 0
    while ($seeded -lt $VoidedCount) {
        $n = [Math]::Min(50000, $VoidedCount - $seeded)
        $null = Invoke-Control 'purchases/bulk' -Method Post -Body @{ clientId = $ClientId; productId = 'refund_sweep_item'; type = 'inapp'; marketCode = $Market; count = $n; voided = $true }
        $seeded += $n
    }
    Write-Host "Seeded $($Rows.Count) purchases to look up and $seeded voided purchases."
    #endregion

    #region lookups
    Write-Step "Lookups: $($Rows.Count) purchases from pipeline input$(if ($LookupLatencyMs) { ", $LookupLatencyMs ms added to each reply" })"
    if ($LookupLatencyMs) {
        $null = Invoke-Control 'faults' -Method Post -Body @{ route = 'getPurchaseDetails'; latencyMs = $LookupLatencyMs }
    }
    $tokenReply = Invoke-RestMethod -Method Post "$BaseUri/v7/oauth/token" -ContentType 'application/x-www-form-urlencoded' `
        -Body "grant_type=client_credentials&client_id=$ClientId&client_secret=$ClientSecret"
    $NaiveToken = $tokenReply.access_token

    # The module is imported and connected once, before any timing: only the pipelines are measured.
    Import-Module $ModulePath -ErrorAction Stop
    $null = Invoke-Control 'counters/reset' -Method Post
    Connect-OneStore -ClientId $ClientId -ClientSecret (ConvertTo-SecureString $ClientSecret -AsPlainText -Force) -BaseUri $BaseUri
    $connectCounters = Invoke-Control 'counters'
    $connectTokenRequests = [int]$connectCounters.tokenRequests

    $contenders = @(
        @{ Key = 'naive'; Run = { Measure-PowerShellLookup 'naive foreach + Invoke-RestMethod' 1 { param($r) Invoke-NaiveLookup $r } } }
        @{ Key = 'parallel8'; Run = { Measure-PowerShellLookup 'ForEach-Object -Parallel 8 + Invoke-RestMethod' 8 { param($r) Invoke-ParallelLookup $r } } }
        @{ Key = 'module1'; Run = { Measure-PowerShellLookup 'module -ThrottleLimit 1' 1 { param($r) Invoke-ModuleLookup $r 1 } } }
        @{ Key = 'moduleDefault'; Run = { Measure-PowerShellLookup 'module (default)' 8 { param($r) Invoke-ModuleLookup $r 0 } } }
        @{ Key = 'module16'; Run = { Measure-PowerShellLookup 'module -ThrottleLimit 16' 16 { param($r) Invoke-ModuleLookup $r 16 } } }
        @{ Key = 'raw1'; Run = { Measure-RawLookup 1 } }
        @{ Key = 'raw8'; Run = { Measure-RawLookup 8 } }
        @{ Key = 'raw16'; Run = { Measure-RawLookup 16 } }
    )
    # Warm the emulator itself (JIT, thread pool, Kestrel) so that whichever contender goes first is not penalised.
    $null = ConvertFrom-ChildJson (Invoke-Child 'dotnet' @($RawClient, 'lookup', '--base-uri', $BaseUri, '--client-id', $ClientId,
            '--token', $NaiveToken, '--market', $Market, '--input', $CsvPath, '--concurrency', '8')) 'Emulator warm-up'
    $null = ConvertFrom-ChildJson (Invoke-Child 'dotnet' @($RawClient, 'voided', '--base-uri', $BaseUri, '--client-id', $ClientId,
            '--token', $NaiveToken, '--market', $Market)) 'Emulator warm-up'

    $lookupRuns = [System.Collections.Generic.List[object]]::new()
    for ($round = 0; $round -lt $Rounds; $round++) {
        # Each round starts one contender later, so none always runs first or right after the same neighbour.
        for ($k = 0; $k -lt $contenders.Count; $k++) {
            $c = $contenders[($k + $round) % $contenders.Count]
            $run = & $c.Run
            $run | Add-Member -NotePropertyName key -NotePropertyValue $c.Key
            $run | Add-Member -NotePropertyName round -NotePropertyValue ($round + 1)
            $lookupRuns.Add($run)
            $jit = if ($run.PSObject.Properties['jitMethods']) { '  (JIT in the run: {0} methods, {1:N0} ms)' -f $run.jitMethods, $run.jitMs }
            Write-Host ("  round {0}: {1,-36} {2,9:N0} req/s{3}" -f ($round + 1), $run.contender, $run.requestsPerSecond, $jit)
        }
    }

    $lookupSummary = [ordered]@{}
    foreach ($c in $contenders) {
        $runs = @($lookupRuns | Where-Object key -EQ $c.Key)
        $lookupSummary[$c.Key] = [ordered]@{
            contender               = $runs[0].contender
            concurrency             = $runs[0].concurrency
            requestsPerSecond       = [Math]::Round((Get-Median $runs.requestsPerSecond), 1)
            runs                    = @($runs.requestsPerSecond)
            clientCpuMsPerRequest   = [Math]::Round((Get-Median $runs.clientCpuMsPerRequest), 4)
            emulatorCpuMsPerRequest = if ($null -ne $runs[0].emulatorCpuMsPerRequest) { [Math]::Round((Get-Median $runs.emulatorCpuMsPerRequest), 4) }
            peakInFlight            = [int]($runs.peakInFlight | Measure-Object -Maximum).Maximum
            tokenRequests           = [int]($runs.tokenRequests | Measure-Object -Sum).Sum
            outputType              = $runs[0].outputType
        }
    }
    $moduleTokenRequests = $connectTokenRequests + $lookupSummary.module1.tokenRequests + $lookupSummary.moduleDefault.tokenRequests + $lookupSummary.module16.tokenRequests
    $rps = { param($key) [double]$lookupSummary[$key].requestsPerSecond }
    $lookupRatios = [ordered]@{
        moduleDefaultOverNaive      = [Math]::Round((& $rps moduleDefault) / (& $rps naive), 2)
        moduleDefaultOverParallel8  = [Math]::Round((& $rps moduleDefault) / (& $rps parallel8), 2)
        moduleDefaultOverRaw8       = [Math]::Round((& $rps moduleDefault) / (& $rps raw8), 3)
        moduleSequentialOverRaw1    = [Math]::Round((& $rps module1) / (& $rps raw1), 3)
        moduleDefaultOverSequential = [Math]::Round((& $rps moduleDefault) / (& $rps module1), 2)
        raw8OverRaw1                = [Math]::Round((& $rps raw8) / (& $rps raw1), 2)
        raw16OverRaw8               = [Math]::Round((& $rps raw16) / (& $rps raw8), 2)
        module16OverRaw16           = [Math]::Round((& $rps module16) / (& $rps raw16), 3)
    }
    #endregion

    #region paging
    Write-Step "Paging: $seeded+ voided purchases, pages of $PageSize"
    $pagingRuns = [System.Collections.Generic.List[object]]::new()
    $pagingScript = Join-Path $PSScriptRoot 'Measure-ModulePaging.ps1'
    for ($round = 0; $round -lt $Rounds; $round++) {
        $order = if ($round % 2) { 'raw', 'module' } else { 'module', 'raw' }
        foreach ($which in $order) {
            if ($which -eq 'raw') {
                $run = Invoke-Child 'dotnet' @($RawClient, 'voided', '--base-uri', $BaseUri, '--client-id', $ClientId, '--token', $NaiveToken,
                    '--market', $Market, '--page-size', [string]$PageSize, '--warmup-pages', '2', '--warmup-ms', [string]$WarmupMs)
                $json = ConvertFrom-ChildJson $run 'RawClient voided'
                $pagingRuns.Add([pscustomobject][ordered]@{
                        key = 'raw'; round = $round + 1; count = [long]$json.count; pages = [int]$json.pages
                        firstObjectMs = [Math]::Round($json.firstObjectMs, 1); elapsedMs = [Math]::Round($json.elapsedMs, 1)
                        cpuMs = [Math]::Round($json.cpuMs, 1); warmupPasses = [int]$json.warmupPasses
                        firstPassMs = [Math]::Round($json.firstPassMs, 1)
                    })
            } else {
                $run = Invoke-Child $Pwsh @('-NoProfile', '-NonInteractive', '-File', $pagingScript, '-ModulePath', $ModulePath,
                    '-BaseUri', $BaseUri, '-ClientId', $ClientId, '-ClientSecret', $ClientSecret, '-PageSize', [string]$PageSize,
                    '-WarmupMs', [string]$WarmupMs) -SampleMemory
                $json = ConvertFrom-ChildJson $run 'Module paging (child pwsh)'
                $inRun = @($run.Samples | Where-Object { $_[0] -ge $json.startTicks -and $_[0] -le $json.endTicks })
                $peakWorkingSet = [Math]::Max([long]$json.workingSetAfter, [long](($inRun | ForEach-Object { $_[1] } | Measure-Object -Maximum).Maximum))
                $peakPrivate = [Math]::Max([long]$json.privateBytesAfter, [long](($inRun | ForEach-Object { $_[2] } | Measure-Object -Maximum).Maximum))
                $pagingRuns.Add([pscustomobject][ordered]@{
                        key = 'module'; round = $round + 1; count = [long]$json.count; pages = [int]$json.pages
                        firstObjectMs = [Math]::Round($json.firstObjectMs, 1); elapsedMs = [Math]::Round($json.elapsedMs, 1)
                        cpuMs = [Math]::Round($json.cpuMs, 1); warmupPasses = [int]$json.warmupPasses; jitDuringTimedPass = [int]$json.jitDuringTimedPass
                        firstPassMs = [Math]::Round($json.firstPassMs, 1); floorMs = [Math]::Round($json.floorMs, 1)
                        moduleOnlyMs = [Math]::Round($json.moduleOnlyMs, 1)
                        pagesAtFirstObject = [int]$json.pagesAtFirstObject; pagesAfterFirstOnly = [int]$json.pagesAfterFirstOnly
                        firstObjectType = $json.firstObjectType
                        memorySamples = $inRun.Count
                        workingSetGrowthMB = [Math]::Round(($peakWorkingSet - [long]$json.workingSetBefore) / 1MB, 1)
                        privateBytesGrowthMB = [Math]::Round(($peakPrivate - [long]$json.privateBytesBefore) / 1MB, 1)
                        workingSetEndGrowthMB = [Math]::Round(([long]$json.workingSetAfter - [long]$json.workingSetBefore) / 1MB, 1)
                        gcHeapGrowthMB = [Math]::Round(([long]$json.gcHeapAfter - [long]$json.gcHeapBefore) / 1MB, 2)
                        gcHeapBeforeCollectMB = [Math]::Round(([long]$json.gcHeapAfterNoCollect - [long]$json.gcHeapBefore) / 1MB, 1)
                        gen0Collections = [int]$json.gen0Collections; gen2Collections = [int]$json.gen2Collections
                    })
            }
            $last = $pagingRuns[-1]
            Write-Host ("  round {0}: {1,-7} {2,8:N0} objects {3,9:N0} ms, first object {4:N1} ms" -f ($round + 1), $last.key, $last.count, $last.elapsedMs, $last.firstObjectMs)
        }
    }
    $rawPaging = @($pagingRuns | Where-Object key -EQ 'raw')
    $modulePaging = @($pagingRuns | Where-Object key -EQ 'module')
    if (@($pagingRuns.count | Sort-Object -Unique).Count -ne 1) {
        throw "The contenders paged different numbers of voided purchases: $(@($pagingRuns.count | Sort-Object -Unique) -join ', ')."
    }
    $pagingSummary = [ordered]@{
        count  = $rawPaging[0].count
        pages  = $rawPaging[0].pages
        raw    = [ordered]@{
            elapsedMs = Get-Median $rawPaging.elapsedMs; firstObjectMs = Get-Median $rawPaging.firstObjectMs
            cpuMs = Get-Median $rawPaging.cpuMs; runs = @($rawPaging.elapsedMs)
            firstPassMs = Get-Median $rawPaging.firstPassMs
        }
        module = [ordered]@{
            elapsedMs = Get-Median $modulePaging.elapsedMs; firstObjectMs = Get-Median $modulePaging.firstObjectMs
            cpuMs = Get-Median $modulePaging.cpuMs; runs = @($modulePaging.elapsedMs)
            firstPassMs = Get-Median $modulePaging.firstPassMs; floorMs = Get-Median $modulePaging.floorMs
            moduleOnlyMs = Get-Median $modulePaging.moduleOnlyMs
            pagesAtFirstObject = [int]($modulePaging.pagesAtFirstObject | Measure-Object -Maximum).Maximum
            pagesAfterFirstOnly = [int]($modulePaging.pagesAfterFirstOnly | Measure-Object -Maximum).Maximum
            workingSetGrowthMB = ($modulePaging.workingSetGrowthMB | Measure-Object -Maximum).Maximum
            privateBytesGrowthMB = ($modulePaging.privateBytesGrowthMB | Measure-Object -Maximum).Maximum
            gcHeapGrowthMB = ($modulePaging.gcHeapGrowthMB | Measure-Object -Maximum).Maximum
            firstObjectType = $modulePaging[0].firstObjectType
        }
    }
    $pagingSummary.moduleOverRaw = [Math]::Round($pagingSummary.module.elapsedMs / $pagingSummary.raw.elapsedMs, 2)
    #endregion

    #region import
    Write-Step "Import: $ImportRuns fresh pwsh starts each (bare, staged module, empty module), interleaved"
    $bareArgs = @('-NoProfile', '-NonInteractive', '-Command', 'exit')
    $importArgs = @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$($ModulePath -replace "'", "''")' -ErrorAction Stop; exit")
    # A control: an empty module imported the same way shows what Import-Module itself costs in a fresh process.
    $emptyModule = Join-Path $OutputPath 'empty-module' 'BenchEmpty.psd1'
    $null = New-Item -ItemType Directory -Force (Split-Path $emptyModule)
    "@{ ModuleVersion = '1.0.0'; FunctionsToExport = @(); CmdletsToExport = @(); AliasesToExport = @(); VariablesToExport = @() }" |
        Set-Content -Encoding utf8 $emptyModule
    $emptyArgs = @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$($emptyModule -replace "'", "''")' -ErrorAction Stop; exit")
    $startMs = @{ bare = [System.Collections.Generic.List[double]]::new(); import = [System.Collections.Generic.List[double]]::new(); empty = [System.Collections.Generic.List[double]]::new() }
    $kinds = @('bare', 'import', 'empty')
    # pwsh records which methods a start compiled and replays that profile on the next start, from its cache folder.
    # Each kind keeps its own (XDG_CACHE_HOME), as a machine that runs the same job each time would; shared, every start
    # would replay the previous, different kind's profile. The first untimed rounds below fill them.
    $importCache = @{}
    foreach ($k in $kinds) {
        $folder = Join-Path $OutputPath "pwsh-cache-$k"
        if (Test-Path $folder) { Remove-Item -Recurse -Force $folder }
        $null = New-Item -ItemType Directory -Force $folder
        $importCache[$k] = @{ XDG_CACHE_HOME = $folder }
    }
    for ($i = -2; $i -lt $ImportRuns; $i++) {
        # Two untimed sets first (disk cache), then the order rotates.
        for ($k = 0; $k -lt $kinds.Count; $k++) {
            $which = $kinds[($k + $i + 2) % $kinds.Count]
            $argList = switch ($which) { 'bare' { $bareArgs } 'import' { $importArgs } 'empty' { $emptyArgs } }
            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            $run = Invoke-Child $Pwsh $argList -Environment $importCache[$which]
            $stopwatch.Stop()
            if ($run.ExitCode -ne 0) { throw "pwsh ($which) exited with $($run.ExitCode): $($run.StdErr.Trim())" }
            if ($i -ge 0) { $startMs[$which].Add($stopwatch.Elapsed.TotalMilliseconds) }
        }
    }
    $importSummary = [ordered]@{
        runs           = $ImportRuns
        bareMedianMs   = [Math]::Round((Get-Median $startMs.bare), 1)
        importMedianMs = [Math]::Round((Get-Median $startMs.import), 1)
        emptyModuleMedianMs = [Math]::Round((Get-Median $startMs.empty), 1)
        bareMs         = @($startMs.bare | ForEach-Object { [Math]::Round($_, 1) })
        importMs       = @($startMs.import | ForEach-Object { [Math]::Round($_, 1) })
        emptyModuleMs  = @($startMs.empty | ForEach-Object { [Math]::Round($_, 1) })
    }
    $importSummary.addedMs = [Math]::Round($importSummary.importMedianMs - $importSummary.bareMedianMs, 1)
    $importSummary.overEmptyModuleMs = [Math]::Round($importSummary.importMedianMs - $importSummary.emptyModuleMedianMs, 1)
    #endregion

    #region report
    $targets = @(
        [ordered]@{ target = 'module default >= 10x naive'; value = $lookupRatios.moduleDefaultOverNaive; pass = $lookupRatios.moduleDefaultOverNaive -ge 10 }
        [ordered]@{ target = 'module default >= 0.8x raw HttpClient at 8 in flight'; value = $lookupRatios.moduleDefaultOverRaw8; pass = $lookupRatios.moduleDefaultOverRaw8 -ge 0.8 }
        [ordered]@{ target = 'module -ThrottleLimit 1 >= 0.8x raw HttpClient sequential'; value = $lookupRatios.moduleSequentialOverRaw1; pass = $lookupRatios.moduleSequentialOverRaw1 -ge 0.8 }
        [ordered]@{ target = 'one token request for the connection, over all module lookups'; value = $moduleTokenRequests; pass = $moduleTokenRequests -eq 1 }
        [ordered]@{ target = 'first object before the second page is requested'; value = "pages requested at first object: $($pagingSummary.module.pagesAtFirstObject)"; pass = $pagingSummary.module.pagesAtFirstObject -eq 1 }
        [ordered]@{ target = 'paging memory growth < 50 MB (peak working set)'; value = "$($pagingSummary.module.workingSetGrowthMB) MB"; pass = $pagingSummary.module.workingSetGrowthMB -lt 50 }
        [ordered]@{ target = 'paging total <= 1.3x raw loop'; value = $pagingSummary.moduleOverRaw; pass = $pagingSummary.moduleOverRaw -le 1.3 }
        [ordered]@{ target = 'import adds <= 150 ms (median)'; value = "$($importSummary.addedMs) ms"; pass = $importSummary.addedMs -le 150 }
    )

    $results = [ordered]@{
        machine = $machine
        scale   = $Scale
        rounds  = $Rounds
        lookupLatencyMs = $LookupLatencyMs
        lookups = [ordered]@{
            count = $Rows.Count; warmup = $LookupWarmup; contenders = $lookupSummary; ratios = $lookupRatios
            tokenRequests = [ordered]@{ connections = 1; atConnect = $connectTokenRequests; duringLookups = $moduleTokenRequests - $connectTokenRequests; total = $moduleTokenRequests }
            runs = $lookupRuns
        }
        paging  = [ordered]@{ summary = $pagingSummary; runs = $pagingRuns }
        import  = $importSummary
        targets = $targets
    }
    $resultsPath = Join-Path $OutputPath 'results.json'
    $results | ConvertTo-Json -Depth 8 | Set-Content -Encoding utf8 $resultsPath

    $m = $machine
    Write-Host ''
    Write-Host "OneStoreIap benchmark - scale $Scale ($($Rows.Count) lookups$(if ($LookupLatencyMs) { " with $LookupLatencyMs ms added latency" }), $($pagingSummary.count) voided purchases), median of $Rounds rounds"
    Write-Host "Machine: $($m.cores) cores $($m.cpu), $($m.memoryGB) GB, $($m.os), pwsh $($m.pwsh), $($m.dotnet), $($m.date)"
    Write-Host ''
    $lookupSummary.Values | ForEach-Object {
        [pscustomobject][ordered]@{
            'Lookups'            = $_.contender
            'req/s'              = '{0:N0}' -f $_.requestsPerSecond
            'client CPU ms/req'  = '{0:N3}' -f $_.clientCpuMsPerRequest
            'emulator CPU ms/req' = if ($null -ne $_.emulatorCpuMsPerRequest) { '{0:N3}' -f $_.emulatorCpuMsPerRequest } else { '-' }
            'peak in flight'     = $_.peakInFlight
            'runs (req/s)'       = ($_.runs | ForEach-Object { '{0:N0}' -f $_ }) -join ' / '
        }
    } | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    Write-Host ("Ratios: module default / naive {0:N2}x; module default / raw at 8 {1:N3}; module sequential / raw sequential {2:N3}" -f `
            $lookupRatios.moduleDefaultOverNaive, $lookupRatios.moduleDefaultOverRaw8, $lookupRatios.moduleSequentialOverRaw1)
    Write-Host ("Module default / ForEach-Object -Parallel 8 + Invoke-RestMethod: {0:N2}x" -f $lookupRatios.moduleDefaultOverParallel8)
    Write-Host ("Scaling: raw 8 in flight / raw 1 = {0:N2}x; raw 16 / raw 8 = {1:N2}x; module default / module sequential = {2:N2}x; module 16 / raw 16 = {3:N3}" -f `
            $lookupRatios.raw8OverRaw1, $lookupRatios.raw16OverRaw8, $lookupRatios.moduleDefaultOverSequential, $lookupRatios.module16OverRaw16)
    Write-Host "Token requests (module): $connectTokenRequests at Connect-OneStore, $($moduleTokenRequests - $connectTokenRequests) during $($Rounds * 3) lookup runs"
    Write-Host ''
    @(
        [pscustomobject][ordered]@{ 'Paging' = 'raw HttpClient loop'; 'total ms' = '{0:N0}' -f $pagingSummary.raw.elapsedMs; 'first object ms' = '{0:N1}' -f $pagingSummary.raw.firstObjectMs; 'objects/s' = '{0:N0}' -f ($pagingSummary.count / $pagingSummary.raw.elapsedMs * 1000); 'CPU ms' = '{0:N0}' -f $pagingSummary.raw.cpuMs; 'WS growth MB' = '-'; 'private growth MB' = '-'; 'GC heap growth MB' = '-' }
        [pscustomobject][ordered]@{ 'Paging' = 'Get-OneStoreVoidedPurchase | Measure-Object'; 'total ms' = '{0:N0}' -f $pagingSummary.module.elapsedMs; 'first object ms' = '{0:N1}' -f $pagingSummary.module.firstObjectMs; 'objects/s' = '{0:N0}' -f ($pagingSummary.count / $pagingSummary.module.elapsedMs * 1000); 'CPU ms' = '{0:N0}' -f $pagingSummary.module.cpuMs; 'WS growth MB' = $pagingSummary.module.workingSetGrowthMB; 'private growth MB' = $pagingSummary.module.privateBytesGrowthMB; 'GC heap growth MB' = $pagingSummary.module.gcHeapGrowthMB }
        [pscustomobject][ordered]@{ 'Paging' = '  Get-OneStoreVoidedPurchase > $null (output discarded)'; 'total ms' = '{0:N0}' -f $pagingSummary.module.moduleOnlyMs; 'first object ms' = '-'; 'objects/s' = '{0:N0}' -f ($pagingSummary.count / $pagingSummary.module.moduleOnlyMs * 1000); 'CPU ms' = '-'; 'WS growth MB' = '-'; 'private growth MB' = '-'; 'GC heap growth MB' = '-' }
        [pscustomobject][ordered]@{ 'Paging' = '  as many objects | Measure-Object (no module, no HTTP)'; 'total ms' = '{0:N0}' -f $pagingSummary.module.floorMs; 'first object ms' = '-'; 'objects/s' = '{0:N0}' -f ($pagingSummary.count / $pagingSummary.module.floorMs * 1000); 'CPU ms' = '-'; 'WS growth MB' = '-'; 'private growth MB' = '-'; 'GC heap growth MB' = '-' }
    ) | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    Write-Host ("Paging, first pass in a fresh process (memory measured on it): module {0:N0} ms, raw {1:N0} ms ({2:N2}x); timed passes follow >= {3} ms of warm passes" -f `
            $pagingSummary.module.firstPassMs, $pagingSummary.raw.firstPassMs, ($pagingSummary.module.firstPassMs / $pagingSummary.raw.firstPassMs), $WarmupMs)
    Write-Host ("Paging: module / raw {0:N2}x; pages requested when the first object arrived: {1}; after Select-Object -First 1: {2}" -f `
            $pagingSummary.moduleOverRaw, $pagingSummary.module.pagesAtFirstObject, $pagingSummary.module.pagesAfterFirstOnly)
    Write-Host ("Import: bare pwsh {0:N0} ms, with Import-Module {1:N0} ms (median of {2}): adds {3:N0} ms; an empty module adds {4:N0} ms, so the module's own share is {5:N0} ms" -f `
            $importSummary.bareMedianMs, $importSummary.importMedianMs, $ImportRuns, $importSummary.addedMs,
        ($importSummary.emptyModuleMedianMs - $importSummary.bareMedianMs), $importSummary.overEmptyModuleMs)
    Write-Host ''
    foreach ($t in $targets) {
        $label = if ($t.pass) { 'PASS' } else { 'FAIL' }
        Write-Host ("{0}  {1} ({2})" -f $label, $t.target, $t.value) -ForegroundColor ($t.pass ? 'Green' : 'Red')
    }
    Write-Host "Results: $resultsPath"
    #endregion
} catch {
    Write-Host "The benchmark could not run: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    $exitCode = 1
} finally {
    if ($Emulator -and -not $Emulator.Process.HasExited) {
        $Emulator.Process.Kill($true)
        $null = $Emulator.Process.WaitForExit(10000)
    }
}
exit $exitCode
