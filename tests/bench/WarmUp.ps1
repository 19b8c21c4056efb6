<#
    The benchmark's warm-up rule, for every contender measured in PowerShell (RawClient's WarmUp is the same in C#):
    run -Round for at least -MinimumMs, then until the JIT has been quiet — fewer than 5 methods compiled over the last
    3 rounds and the last second at least — or 40 s in all. Tiered compilation promotes a method after 30 calls, so
    code that runs once a round (a pipeline's set-up, a page loop's end) is still being recompiled 30-odd rounds in;
    PowerShell keeps promoting methods for many seconds after it starts, in bursts, with quiet half-seconds between.
    Timing it earlier measures the JIT as much as the contender. Dot-sourced by Invoke-Bench.ps1 and
    Measure-ModulePaging.ps1.
#>
function Invoke-WarmUp {
    param([Parameter(Mandatory)][scriptblock] $Round, [Parameter(Mandatory)][int] $MinimumMs)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    # After each round: when it ended and how many methods the JIT had compiled by then.
    $ends = [System.Collections.Generic.List[long]]::new()
    $counts = [System.Collections.Generic.List[long]]::new()
    while ($clock.ElapsedMilliseconds -lt 40000) {
        $null = & $Round
        $ends.Add($clock.ElapsedMilliseconds)
        $counts.Add([System.Runtime.JitInfo]::GetCompiledMethodCount($false))
        if ($clock.ElapsedMilliseconds -lt $MinimumMs) { continue }
        # The latest round that ended at least 3 rounds and 1 s ago: the quiet window starts there.
        $last = $ends.Count - 1
        for ($k = $last - 3; $k -ge 0; $k--) {
            if ($ends[$last] - $ends[$k] -ge 1000) {
                if ($counts[$last] - $counts[$k] -lt 5) { return }
                break
            }
        }
    }
}
