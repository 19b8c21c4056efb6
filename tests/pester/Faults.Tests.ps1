# Unattended runs under the emulator's fault injection: a mixed soak that must lose nothing and change nothing twice,
# a hard outage that must end each item with its own error in bounded time, tokens expiring mid-run, and Ctrl+C
# while requests are in flight and retries are pending.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator

    function New-BulkPurchase {
        # Adds purchases of one product through the control API; returns pipeline-ready items.
        param($Emulator, $App, [string] $ProductId, [string] $Type, [int] $Count, [hashtable] $Property = @{})
        $body = @{ clientId = $App.ClientId; productId = $ProductId; type = $Type; marketCode = 'MKT_ONE'; count = $Count }
        foreach ($key in $Property.Keys) { $body[$key] = $Property[$key] }
        $reply = Invoke-EmulatorControl -Emulator $Emulator -Path 'purchases/bulk' -Method POST -Body $body
        foreach ($t in $reply.purchaseTokens) { [pscustomobject]@{ ProductId = $ProductId; PurchaseToken = $t } }
    }

    function Get-PurchaseStateJson {
        # The emulator's raw state of many purchases at once (one control call each, 32 at a time): token -> JSON text.
        param($Emulator, [string[]] $Token)
        $http = [System.Net.Http.HttpClient]::new()
        try {
            $states = @{}
            for ($i = 0; $i -lt $Token.Count; $i += 32) {
                $batch = $Token[$i..([Math]::Min($i + 31, $Token.Count - 1))]
                $tasks = foreach ($t in $batch) { $http.GetStringAsync("$($Emulator.BaseUri)/_emulator/purchases/$([uri]::EscapeDataString($t))") }
                [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks)
                for ($j = 0; $j -lt $batch.Count; $j++) { $states[$batch[$j]] = $tasks[$j].Result }
            }
            $states
        } finally {
            $http.Dispose()
        }
    }

    function Invoke-Bounded {
        # Runs a script block in its own runspace and fails the test if it has not finished within the bound, so
        # that a hang shows as a failure, not as a CI job that never ends.
        param([scriptblock] $ScriptBlock, [object[]] $ArgumentList = @(), [double] $TimeoutSec)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript($ScriptBlock)
            foreach ($a in $ArgumentList) { $null = $ps.AddArgument($a) }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $async = $ps.BeginInvoke()
            $done = $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($TimeoutSec))
            $watch.Stop()
            if (-not $done) {
                $null = $ps.BeginStop($null, $null)
                throw "The run did not finish within $TimeoutSec s."
            }
            [pscustomobject]@{
                Output  = @($ps.EndInvoke($async))
                Errors  = @($ps.Streams.Error)
                Elapsed = $watch.Elapsed
            }
        } finally {
            $ps.Dispose()
        }
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Fault soak' {
    BeforeAll {
        $script:soakApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        $soakConn = Connect-OneStore -ClientId $soakApp.ClientId -ClientSecret $soakApp.SecureSecret -BaseUri $emu.BaseUri -PassThru
        # 3,000 operations: lookups repeat on untouched purchases; every changing operation has its own target. Scaled
        # down from the 5,000 aimed at: on a shared 2-core machine those took about 40 s (most of it the ordered window
        # waiting on jittered and retried heads), too much of the suite's time budget; 3,000 keep hundreds of each fault.
        $script:consume = @(New-BulkPurchase $emu $soakApp 'soak_gem' inapp 720)
        $script:ackInApp = @(New-BulkPurchase $emu $soakApp 'soak_gem' inapp 420)
        $script:ackSub = @(New-BulkPurchase $emu $soakApp 'soak_sub' subscription 180)
        $script:cancelAuto = @(New-BulkPurchase $emu $soakApp 'soak_pass' auto 150 @{ acknowledged = $true })
        $script:cancelSub = @(New-BulkPurchase $emu $soakApp 'soak_sub' subscription 150 @{ acknowledged = $true })
        $script:reactivateSub = @(New-BulkPurchase $emu $soakApp 'soak_sub' subscription 180 @{ acknowledged = $true })
        $script:untouchedInApp = @(New-BulkPurchase $emu $soakApp 'soak_gem' inapp 90)
        $script:untouchedSub = @(New-BulkPurchase $emu $soakApp 'soak_sub' subscription 30 @{ acknowledged = $true })
        # The reactivate targets start cancelled (before any fault).
        $reactivateSub | Stop-OneStoreSubscription -Connection $soakConn -Confirm:$false -ErrorAction Stop
        $script:lookupInApp = @(foreach ($round in 1..10) { $untouchedInApp })   # 900 lookups
        $script:lookupSub = @(foreach ($round in 1..10) { $untouchedSub })       # 300 lookups
        $script:operationCount = $consume.Count + $ackInApp.Count + $ackSub.Count + $cancelAuto.Count + $cancelSub.Count +
            $reactivateSub.Count + $lookupInApp.Count + $lookupSub.Count

        $script:untouchedTokens = @($untouchedInApp.PurchaseToken) + @($untouchedSub.PurchaseToken)
        $script:untouchedBefore = Get-PurchaseStateJson -Emulator $emu -Token $untouchedTokens
    }

    It 'runs 3,000 mixed operations through 503s, dropped connections and jitter with no error and exactly the asked changes' {
        $operationCount | Should -Be 3000
        # A connection of its own, made before the faults, with quick retries and enough attempts.
        $conn = Connect-OneStore -ClientId $soakApp.ClientId -ClientSecret $soakApp.SecureSecret -BaseUri $emu.BaseUri `
            -MaximumRetryCount 8 -RetryBaseDelaySec 0.01 -PassThru
        Reset-EmulatorCounter -Emulator $emu
        # Rates are of the requests each fault still sees (the first fault with an effect wins), on every route.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = '*'; status = 503; code = 'ServiceMaintenance'; rate = 0.10; seed = 101 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = '*'; drop = 'before'; rate = 0.025; seed = 102 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = '*'; drop = 'after'; rate = 0.025; seed = 103 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = '*'; latencyMs = 0; latencyJitterMs = 50; seed = 104 }
        $results = @{}
        foreach ($k in 'lookupInApp', 'lookupSub', 'consume', 'consumeAlready', 'ackInApp', 'ackSub', 'ackAlready', 'cancelAuto', 'cancelSub', 'reactivateSub') { $results[$k] = 0 }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            # Mixed: ten rounds, each a slice of every kind, at the default -ThrottleLimit.
            $errors = [System.Collections.Generic.List[object]]::new()
            foreach ($round in 0..9) {
                $slice = { param($list) $n = [Math]::Ceiling($list.Count / 10); @($list | Select-Object -Skip ($round * $n) -First $n) }
                $out = @(& $slice $lookupInApp | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable e1)
                $results.lookupInApp += $out.Count
                $out = @(& $slice $consume | Invoke-OneStoreConsume -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable e2)
                $results.consume += $out.Count
                $results.consumeAlready += @($out | Where-Object AlreadyApplied).Count
                $out = @(& $slice $ackInApp | Invoke-OneStoreAcknowledge -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable e3)
                $results.ackInApp += $out.Count
                $results.ackAlready += @($out | Where-Object AlreadyApplied).Count
                $out = @(& $slice $cancelAuto | Stop-OneStoreSubscription -Type Auto -Connection $conn -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable e4)
                $results.cancelAuto += $out.Count
                $out = @(& $slice $ackSub | Invoke-OneStoreAcknowledge -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable e5)
                $results.ackSub += $out.Count
                $results.ackAlready += @($out | Where-Object AlreadyApplied).Count
                $out = @(& $slice $cancelSub | Stop-OneStoreSubscription -Connection $conn -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable e6)
                $results.cancelSub += $out.Count
                $out = @(& $slice $lookupSub | Get-OneStoreSubscription -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable e7)
                $results.lookupSub += $out.Count
                $out = @(& $slice $reactivateSub | Resume-OneStoreSubscription -Connection $conn -PassThru -ErrorAction SilentlyContinue -ErrorVariable e8)
                $results.reactivateSub += $out.Count
                foreach ($e in @($e1) + @($e2) + @($e3) + @($e4) + @($e5) + @($e6) + @($e7) + @($e8)) { if ($e) { $errors.Add($e) } }
            }
            $watch.Stop()
            $counters = Get-EmulatorCounter -Emulator $emu
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }

        Write-Host ("    soak: {0} operations in {1:0.0} s; {2} API requests, {3} faults injected (jitter included), {4} connections dropped, {5} token requests, {6} requests beyond one per operation (retries and already-applied checks); already applied: {7} consumes, {8} acknowledges" -f
            $operationCount, $watch.Elapsed.TotalSeconds, $counters.totalRequests, $counters.faultsInjected, $counters.connectionsDropped,
            $counters.tokenRequests, ($counters.totalRequests - $counters.tokenRequests - $operationCount), $results.consumeAlready, $results.ackAlready)

        # Nothing reached the caller, and every operation gave its result.
        $errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" } | Select-Object -First 5 | Should -BeNullOrEmpty
        $results.lookupInApp | Should -Be $lookupInApp.Count
        $results.lookupSub | Should -Be $lookupSub.Count
        $results.consume | Should -Be $consume.Count
        $results.ackInApp | Should -Be $ackInApp.Count
        $results.ackSub | Should -Be $ackSub.Count
        $results.cancelAuto | Should -Be $cancelAuto.Count
        $results.cancelSub | Should -Be $cancelSub.Count
        $results.reactivateSub | Should -Be $reactivateSub.Count
        # The faults really happened, in the asked proportions (roughly: retries add requests).
        ($counters.totalRequests - $counters.tokenRequests - $operationCount) | Should -BeGreaterThan 250 -Because 'about one request in six fails and is retried'
        $counters.connectionsDropped | Should -BeGreaterThan 60

        # The emulator's final state is exactly what was asked.
        $consumeState = Get-PurchaseStateJson -Emulator $emu -Token $consume.PurchaseToken
        $bad = foreach ($t in $consume.PurchaseToken) {
            $s = $consumeState[$t] | ConvertFrom-Json
            if ($s.consumeCount -ne 1 -or $s.consumptionState -ne 1) { "$t consumeCount=$($s.consumeCount)" }
        }
        $bad | Select-Object -First 5 | Should -BeNullOrEmpty -Because 'each consume target is consumed exactly once'

        $ackTokens = @($ackInApp.PurchaseToken) + @($ackSub.PurchaseToken)
        $ackState = Get-PurchaseStateJson -Emulator $emu -Token $ackTokens
        $bad = foreach ($t in $ackTokens) {
            $s = $ackState[$t] | ConvertFrom-Json
            if ($s.acknowledgeCount -ne 1 -or $s.acknowledgeState -ne 1 -or $s.consumeCount -ne 0) { "$t acknowledgeCount=$($s.acknowledgeCount) consumeCount=$($s.consumeCount)" }
        }
        $bad | Select-Object -First 5 | Should -BeNullOrEmpty -Because 'each acknowledge target is acknowledged once and not consumed'

        $cancelTokens = @($cancelAuto.PurchaseToken) + @($cancelSub.PurchaseToken)
        $cancelState = Get-PurchaseStateJson -Emulator $emu -Token $cancelTokens
        $bad = foreach ($t in $cancelTokens) {
            $s = $cancelState[$t] | ConvertFrom-Json
            if ($s.autoRenewing -or $null -eq $s.cancelledTime -or $s.changeCount -ne 1) { "$t autoRenewing=$($s.autoRenewing) changeCount=$($s.changeCount)" }
        }
        $bad | Select-Object -First 5 | Should -BeNullOrEmpty -Because 'each cancel target has its renewal cancelled, once'

        $reactivateState = Get-PurchaseStateJson -Emulator $emu -Token $reactivateSub.PurchaseToken
        $bad = foreach ($t in $reactivateSub.PurchaseToken) {
            $s = $reactivateState[$t] | ConvertFrom-Json
            if (-not $s.autoRenewing -or $s.changeCount -ne 2) { "$t autoRenewing=$($s.autoRenewing) changeCount=$($s.changeCount)" }
        }
        $bad | Select-Object -First 5 | Should -BeNullOrEmpty -Because 'each reactivate target renews again (one cancel before the run, one reactivate in it)'

        $untouchedAfter = Get-PurchaseStateJson -Emulator $emu -Token $untouchedTokens
        $changed = foreach ($t in $untouchedTokens) { if ($untouchedAfter[$t] -cne $untouchedBefore[$t]) { $t } }
        $changed | Should -BeNullOrEmpty -Because 'looked-up purchases are not changed'
    }
}

Describe 'Already applied' {
    It 'a subscription acknowledge whose reply was lost is retried and reported as already applied, acknowledged once' {
        $app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'lost_sub' -Type subscription
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -RetryBaseDelaySec 0.01 -PassThru
        # The emulator acknowledges, then drops the connection before replying; the retry meets InvalidPurchaseState.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'acknowledgePurchase'; drop = 'after'; count = 1 }
        try {
            $r = Invoke-OneStoreAcknowledge -ProductId 'lost_sub' -PurchaseToken $p.purchaseToken -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $err | Should -BeNullOrEmpty
        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeTrue
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 1
    }
}

Describe 'Hard outage' {
    BeforeAll {
        $script:outApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        # Two retries, 0.2 s base delay: 3 attempts per item.
        $script:retries = 2
        $script:baseDelay = 0.2
        $script:outConn = Connect-OneStore -ClientId $outApp.ClientId -ClientSecret $outApp.SecureSecret -BaseUri $emu.BaseUri `
            -MaximumRetryCount $retries -RetryBaseDelaySec $baseDelay -PassThru
    }
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It '<Cmdlet>: each item ends with its own ServiceMaintenance error after the bounded retries, in bounded time' -TestCases @(
        @{ Cmdlet = 'Get-OneStorePurchase'; Route = 'getPurchaseDetails'; Id = 'GetOneStorePurchaseCommand'; Extra = @{} }
        @{ Cmdlet = 'Invoke-OneStoreConsume'; Route = 'consumePurchase'; Id = 'InvokeOneStoreConsumeCommand'; Extra = @{} }
        @{ Cmdlet = 'Stop-OneStoreSubscription'; Route = 'cancelRecurringPurchase'; Id = 'StopOneStoreSubscriptionCommand'; Extra = @{ Type = 'Auto'; Confirm = $false } }
    ) {
        $type = if ($Route -eq 'cancelRecurringPurchase') { 'auto' } else { 'inapp' }
        $items = @(New-BulkPurchase $emu $outApp "outage_$type" $type 12)
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = $Route; status = 503; code = 'ServiceMaintenance' }
        Reset-EmulatorCounter -Emulator $emu
        # Polly's exponential backoff with jitter waits about base x 2^n before retry n+1; allow it four times that,
        # per item, as if the items ran one after another, plus a few seconds for a slow machine.
        $backoff = 0
        for ($n = 0; $n -lt $retries; $n++) { $backoff += 4 * $baseDelay * [Math]::Pow(2, $n) }
        $bound = $items.Count * $backoff + 10

        $run = Invoke-Bounded -TimeoutSec ($bound + 20) -ArgumentList $env:ONESTOREIAP_TEST_MODULE, $outConn, $items, $Cmdlet, $Extra -ScriptBlock {
            param($ModulePath, $Connection, $Items, $Cmdlet, $Extra)
            Import-Module $ModulePath
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $out = @($Items | & $Cmdlet -Connection $Connection @Extra -ErrorAction SilentlyContinue -ErrorVariable errs)
            $watch.Stop()
            [pscustomobject]@{ Output = $out; Errors = @($errs); Seconds = $watch.Elapsed.TotalSeconds }
        }

        $result = $run.Output[0]
        $result.Output | Should -BeNullOrEmpty
        $result.Errors | Should -HaveCount $items.Count -Because 'the pipeline goes on to the next item after each failure'
        $result.Errors.FullyQualifiedErrorId | Sort-Object -Unique | Should -BeExactly @("ServiceMaintenance,OneStoreIap.Commands.$Id")
        ($result.Errors | Get-ErrorTargetToken) | Should -Be $items.PurchaseToken
        $result.Errors[0].Exception.Message | Should -Match 'ServiceMaintenance'
        (Get-EmulatorCounter -Emulator $emu -Route $Route) | Should -Be ($items.Count * ($retries + 1)) -Because 'each item gets exactly the bounded attempts'
        $result.Seconds | Should -BeLessThan $bound
        if ($Route -eq 'consumePurchase') {
            foreach ($i in $items) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $i.PurchaseToken).consumeCount | Should -Be 0 }
        }
    }
}

Describe 'Token expiry mid-run' {
    BeforeAll {
        $script:lifetime = 2
        $script:shortEmu = Start-TestEmulator -TokenLifetime $lifetime
        $script:shortApp = New-TestApp -Emulator $shortEmu -Markets MKT_ONE
    }
    AfterAll {
        $script:shortEmu | Stop-TestEmulator
    }
    AfterEach {
        Clear-EmulatorFault -Emulator $shortEmu
    }

    It 'a run that lasts several token lifetimes has no failure and renews about once per lifetime, not per call' {
        $items = @(New-BulkPurchase $shortEmu $shortApp 'life_gem' inapp 160)
        $conn = Connect-OneStore -ClientId $shortApp.ClientId -ClientSecret $shortApp.SecureSecret -BaseUri $shortEmu.BaseUri -PassThru
        # 160 lookups, 4 at a time, 150 ms each: about 6 s, three lifetimes.
        $null = Add-EmulatorFault -Emulator $shortEmu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 150 }
        Reset-EmulatorCounter -Emulator $shortEmu
        $watch = [System.Diagnostics.Stopwatch]::StartNew()

        $out = @($items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 4 -ErrorVariable err)

        $watch.Stop()
        $tokenRequests = (Get-EmulatorCounter -Emulator $shortEmu).tokenRequests
        $seconds = $watch.Elapsed.TotalSeconds
        Write-Host ("    token expiry: {0} lookups in {1:0.0} s with a {2} s token lifetime: {3} token requests" -f $items.Count, $seconds, $lifetime, $tokenRequests)
        $err | Should -BeNullOrEmpty
        $out.PurchaseToken | Should -Be $items.PurchaseToken
        $seconds | Should -BeGreaterThan (2 * $lifetime) -Because 'the run must outlast several tokens to prove anything'
        # Renewed at 3/4 of each lifetime: about seconds / (0.75 x lifetime); the token from Connect-OneStore covers the
        # first lifetime, so at least one renewal for each further lifetime the run outlasted.
        $tokenRequests | Should -BeGreaterOrEqual ([Math]::Ceiling($seconds / $lifetime) - 1)
        $tokenRequests | Should -BeLessOrEqual ([Math]::Ceiling($seconds / (0.75 * $lifetime)) + 2)
    }

    It 'ForEach-Object -Parallel runspaces sharing one connection renew an expired token with one request' {
        $app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $items = @(New-BulkPurchase $emu $app 'par_gem' inapp 8)
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        # The token is stale on the server (its clock moves past the lifetime); the client still holds it. Every runspace
        # sends with it at once, is refused, and asks for a renewal; slow replies keep the refusals overlapping.
        $null = Invoke-EmulatorControl -Emulator $emu -Path 'clock/advance' -Method POST -Body @{ hours = 2 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 300 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'issueToken'; latencyMs = 300 }
        Reset-EmulatorCounter -Emulator $emu
        # Every runspace imports the module, then waits for the others, so that all send at once however slow the imports.
        $ready = [System.Threading.CountdownEvent]::new($items.Count)
        $modulePath = $env:ONESTOREIAP_TEST_MODULE

        try {
            $out = $items | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module $using:modulePath
                $barrier = $using:ready
                $null = $barrier.Signal()
                $null = $barrier.Wait([TimeSpan]::FromSeconds(60))
                $_ | Get-OneStorePurchase -Connection $using:conn
            } -ErrorVariable err
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }

        $err | Should -BeNullOrEmpty
        @($out) | Should -HaveCount 8
        ($out.PurchaseToken | Sort-Object) | Should -Be ($items.PurchaseToken | Sort-Object)
        $counters = Get-EmulatorCounter -Emulator $emu
        @(Get-EmulatorRequest -Emulator $emu -Last 50 | Where-Object code -EQ 'AccessTokenExpired').Count |
            Should -BeGreaterThan 1 -Because 'several runspaces must have found the token stale at once'
        $counters.tokenRequests | Should -Be 1
    }
}

Describe 'Ctrl+C during a bulk run with requests in flight and retries pending' {
    It 'Stop() returns within 1 s' {
        $app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $items = @(New-BulkPurchase $emu $app 'stop_gem' inapp 40)
        # Half the lookups get a 503 asking to come back in 30 s (retries pending); the other half take a minute (in flight).
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503; code = 'ServiceMaintenance'; retryAfter = 30; rate = 0.5; seed = 21 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60000; rate = 0.5; seed = 22 }
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -MaximumRetryCount 5 -PassThru
        Reset-EmulatorCounter -Emulator $emu

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $Connection, $Items)
                    Import-Module $ModulePath
                    $Items | Get-OneStorePurchase -Connection $Connection -ThrottleLimit 16
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($conn).AddArgument($items)
            $null = $ps.BeginInvoke()

            # Wait (boundedly) until a 503 has gone out (its retry waits 30 s) and requests are in flight.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do {
                Start-Sleep -Milliseconds 50
                $c = Get-EmulatorCounter -Emulator $emu
                $refused = @(Get-EmulatorRequest -Emulator $emu -Last 100 | Where-Object status -EQ 503).Count
            } while (($refused -lt 1 -or $c.inFlight -lt 1) -and [DateTime]::UtcNow -lt $deadline)
            $refused | Should -BeGreaterThan 0 -Because 'a retry must be pending'
            $c.inFlight | Should -BeGreaterThan 0 -Because 'requests must be in flight'

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $stop = $ps.BeginStop($null, $null)
            $null = $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10))
            $watch.Stop()

            $ps.InvocationStateInfo.State | Should -Be ([System.Management.Automation.PSInvocationState]::Stopped)
            Write-Host ("    Ctrl+C: Stop() returned in {0:0} ms" -f $watch.Elapsed.TotalMilliseconds)
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
        } finally {
            Clear-EmulatorFault -Emulator $emu
            $ps.Dispose()
        }
    }
}
