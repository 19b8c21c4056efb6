<#
    The benchmark's warm-up rule, for every contender measured in PowerShell (RawClient's WarmUp is the same in C#):
    run -Round for at least -MinimumMs, then until half a second passes in which the JIT compiles fewer than 10 methods,
    or 20 s in all. PowerShell keeps promoting methods to optimised code for many seconds after it starts; timing it
    earlier measures the JIT as much as the contender. Dot-sourced by Invoke-Bench.ps1 and Measure-ModulePaging.ps1.
#>
function Invoke-WarmUp {
    param([Parameter(Mandatory)][scriptblock] $Round, [Parameter(Mandatory)][int] $MinimumMs)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $windowStart = 0
    $methodsAtWindow = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
    while ($clock.ElapsedMilliseconds -lt 20000) {
        $null = & $Round
        if ($clock.ElapsedMilliseconds - $windowStart -lt 500) { continue }
        $compiled = [System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $methodsAtWindow
        if ($clock.ElapsedMilliseconds -ge $MinimumMs -and $compiled -lt 10) { return }
        $windowStart = $clock.ElapsedMilliseconds
        $methodsAtWindow = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
    }
}
