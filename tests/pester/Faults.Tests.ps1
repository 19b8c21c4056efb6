# Unattended runs under faults: a seeded fault soak, a hard outage, token expiry mid-run, and Ctrl+C with requests in
# flight and retries pending. Each test checks the emulator's own record of what happened, not only the cmdlets' output.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator

    function Get-Slice {
        # Items [$Round*$Size, ($Round+1)*$Size) of a list.
        param([object[]] $List, [int] $Round, [int] $Size)
        $List[($Round * $Size)..(($Round + 1) * $Size - 1)]
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Fault soak: 503s, dropped connections and jitter' {
    BeforeAll {
        $script:soakApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        # 5,000 operations in 10 rounds of 500: 200 lookups (100 in-app, 50 auto, 50 subscription), 100 acknowledges,
        # 100 consumes, 50 cancels and 50 reactivations (half subscriptions, half auto-renewals).
        $script:rounds = 10
        $script:lookupInApp = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_look' -Count 1000 -Acknowledged)
        $script:lookupAuto = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_look_auto' -Type auto -Count 500 -Acknowledged)
        $script:lookupSub = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_look_sub' -Type subscription -Count 500 -Acknowledged)
        $script:ackTargets = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_ack' -Count 1000)
        $script:consumeTargets = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_consume' -Count 1000)
        $cancelSub = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_cancel_sub' -Type subscription -Count 250 -Acknowledged)
        $cancelAuto = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_cancel_auto' -Type auto -Count 250 -Acknowledged)
        $resumeSub = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_resume_sub' -Type subscription -Count 250 -Acknowledged)
        $resumeAuto = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_resume_auto' -Type auto -Count 250 -Acknowledged)
        # Purchases no operation names: they must come out exactly as they went in.
        $script:bystanders = @(New-BulkPurchase -Emulator $emu -App $soakApp -ProductId 'soak_bystander' -Count 200)

        # Interleave the types so each round's cancel and reactivate pipelines carry both.
        $script:cancelTargets = @(for ($i = 0; $i -lt 250; $i++) { $cancelSub[$i]; $cancelAuto[$i] })
        $script:resumeTargets = @(for ($i = 0; $i -lt 250; $i++) { $resumeSub[$i]; $resumeAuto[$i] })
        $script:lookupTargets = @(for ($i = 0; $i -lt 500; $i++) { $lookupInApp[2 * $i]; $lookupInApp[2 * $i + 1]; if ($i % 2) { $lookupAuto[$i] } else { $lookupSub[$i] } }) +
            @(for ($i = 0; $i -lt 500; $i++) { if ($i % 2) { $lookupSub[$i] } else { $lookupAuto[$i] } })

        $script:soakConn = Connect-OneStore -ClientId $soakApp.ClientId -ClientSecret $soakApp.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 8 -RetryBaseDelaySec 0.01
        # Before the faults: the reactivation targets start cancelled.
        $resumeTargets | Stop-OneStoreSubscription -Connection $soakConn -Confirm:$false -ErrorAction Stop

        $script:untouched = @($lookupTargets.PurchaseToken) + @($bystanders.PurchaseToken)
        $script:before = Get-EmulatorPurchaseState -Raw -Emulator $emu -Token $untouched
    }

    AfterAll {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'runs 5,000 mixed operations with no error, each change applied exactly once and nothing else touched' {
        $lookupTargets.Count + $ackTargets.Count + $consumeTargets.Count + $cancelTargets.Count + $resumeTargets.Count | Should -Be 5000

        Reset-EmulatorCounter -Emulator $emu
        $faults = @(
            @{ route = '*'; status = 503; code = 'ServiceMaintenance'; rate = 0.10; seed = 11 }
            @{ route = '*'; drop = 'before'; rate = 0.025; seed = 12 }
            @{ route = '*'; drop = 'after'; rate = 0.025; seed = 13 }
            @{ route = '*'; latencyJitterMs = 50; seed = 14 }
        )
        foreach ($f in $faults) { $null = Add-EmulatorFault -Emulator $emu -Fault $f }

        $soakErrors = [System.Collections.Generic.List[object]]::new()
        $looked = [System.Collections.Generic.List[object]]::new()
        $results = [System.Collections.Generic.List[object]]::new()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        for ($r = 0; $r -lt $rounds; $r++) {
            $in = @(Get-Slice $lookupTargets $r 200)
            $out = @($in | Get-OneStorePurchase -Connection $soakConn -ErrorAction SilentlyContinue -ErrorVariable +soakErrors)
            $looked.AddRange([object[]]$out)
            @(Get-Slice $ackTargets $r 100) | Invoke-OneStoreAcknowledge -Connection $soakConn -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +soakErrors |
                ForEach-Object { $results.Add($_) }
            @(Get-Slice $consumeTargets $r 100) | Invoke-OneStoreConsume -Connection $soakConn -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +soakErrors |
                ForEach-Object { $results.Add($_) }
            @(Get-Slice $cancelTargets $r 50) | Stop-OneStoreSubscription -Connection $soakConn -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable +soakErrors |
                ForEach-Object { $results.Add($_) }
            @(Get-Slice $resumeTargets $r 50) | Resume-OneStoreSubscription -Connection $soakConn -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable +soakErrors |
                ForEach-Object { $results.Add($_) }
        }
        $watch.Stop()
        $counters = Get-EmulatorCounter -Emulator $emu
        Clear-EmulatorFault -Emulator $emu

        $alreadyApplied = @($results | Where-Object AlreadyApplied).Count
        Write-Host ("    soak: 5000 operations in {0:0.0} s; {1} API requests, {2} answered 503, {3} connections dropped (retried: {4}), {5} token requests, {6} results marked already applied" -f `
                $watch.Elapsed.TotalSeconds, $counters.totalRequests, $counters.faultReplies, $counters.connectionsDropped,
            ($counters.faultReplies + $counters.connectionsDropped), $counters.tokenRequests, $alreadyApplied)

        $soakErrors | Select-Object -First 5 | ForEach-Object { Write-Host "    error: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        $soakErrors.Count | Should -Be 0 -Because 'every fault injected is transient and the retries are enough'

        # Every request is accounted for: one per operation, one retry per 503 or dropped connection, one check per
        # result marked already applied, and the token requests. A request re-sent behind the engine's back (and so
        # perhaps applied twice) would break this.
        $expected = 5000 + $counters.faultReplies + $counters.connectionsDropped + $alreadyApplied
        $counters.totalRequests | Should -BeGreaterOrEqual $expected
        $counters.totalRequests | Should -BeLessOrEqual ($expected + $counters.tokenRequests)

        # The faults really happened, at about the rates asked.
        $counters.faultReplies | Should -BeGreaterThan 300
        $counters.connectionsDropped | Should -BeGreaterThan 100
        # Not one token request per call.
        $counters.tokenRequests | Should -BeLessThan 20

        # Every lookup came back, in input order, for the item asked.
        $looked.Count | Should -Be 2000
        for ($i = 0; $i -lt 2000; $i++) {
            if ($looked[$i].PurchaseToken -cne $lookupTargets[$i].PurchaseToken) {
                throw "Lookup $i returned $($looked[$i].PurchaseToken), expected $($lookupTargets[$i].PurchaseToken)"
            }
        }
        $results.Count | Should -Be 3000
        @($results | Where-Object Code -ne 'Success').Count | Should -Be 0

        # The emulator's final state is exactly what was asked.
        $after = Get-EmulatorPurchaseState -Raw -Emulator $emu -Token (@($consumeTargets.PurchaseToken) + @($ackTargets.PurchaseToken) + @($cancelTargets.PurchaseToken) + @($resumeTargets.PurchaseToken))
        $wrong = [System.Collections.Generic.List[string]]::new()
        foreach ($t in $consumeTargets.PurchaseToken) {
            $p = $after[$t] | ConvertFrom-Json
            if ($p.consumeCount -ne 1 -or $p.consumptionState -ne 1 -or $p.acknowledgeCount -ne 0) { $wrong.Add("consume $t : $($after[$t])") }
        }
        foreach ($t in $ackTargets.PurchaseToken) {
            $p = $after[$t] | ConvertFrom-Json
            if ($p.acknowledgeCount -ne 1 -or $p.acknowledgeState -ne 1 -or $p.consumeCount -ne 0) { $wrong.Add("acknowledge $t : $($after[$t])") }
        }
        foreach ($t in $cancelTargets.PurchaseToken) {
            $p = $after[$t] | ConvertFrom-Json
            if ($p.autoRenewing -or $p.changeCount -ne 1) { $wrong.Add("cancel $t : $($after[$t])") }
        }
        foreach ($t in $resumeTargets.PurchaseToken) {
            $p = $after[$t] | ConvertFrom-Json
            if (-not $p.autoRenewing -or $p.changeCount -ne 2) { $wrong.Add("reactivate $t : $($after[$t])") }
        }
        $afterUntouched = Get-EmulatorPurchaseState -Raw -Emulator $emu -Token $untouched
        foreach ($t in $untouched) {
            if ($afterUntouched[$t] -cne $before[$t]) { $wrong.Add("untouched $t : $($before[$t]) -> $($afterUntouched[$t])") }
        }
        $wrong | Select-Object -First 5 | ForEach-Object { Write-Host "    wrong: $_" }
        $wrong.Count | Should -Be 0
    }
}

Describe 'Hard outage: every request answered 503' {
    BeforeAll {
        $script:outApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:outItems = @(1..6 | ForEach-Object { New-TestPurchase -Emulator $emu -App $outApp -Property @{ acknowledged = $false } })
    }

    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'each item ends with its own ServiceMaintenance error after the bounded retries, and nothing is consumed' {
        $conn = Connect-OneStore -ClientId $outApp.ClientId -ClientSecret $outApp.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 2 -RetryBaseDelaySec 0.05 -BreakAfterFailures 0
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = '*'; status = 503; code = 'ServiceMaintenance'; retryAfter = 1 }
        Reset-EmulatorCounter -Emulator $emu

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($outItems | Invoke-OneStoreConsume -Connection $conn -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        Write-Host ("    outage: 6 consumes failed in {0:0.0} s" -f $watch.Elapsed.TotalSeconds)

        $out | Should -BeNullOrEmpty
        $errs | Should -HaveCount 6
        foreach ($i in 0..5) {
            $errs[$i].FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.InvokeOneStoreConsumeCommand'
            $errs[$i].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $errs[$i].Exception.HttpStatus | Should -Be 503
            $errs[$i].Exception.Message | Should -Match 'ServiceMaintenance'
            ($errs[$i] | Get-ErrorTargetToken) | Should -BeExactly $outItems[$i].purchaseToken
        }
        # One first try and two retries per item, no more.
        (Get-EmulatorCounter -Emulator $emu -Route 'consumePurchase') | Should -Be 18
        Clear-EmulatorFault -Emulator $emu
        foreach ($p in $outItems) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 0 }
    }

    It 'with the default settings, gives up in bounded time' {
        # The retry budget alone (the circuit breaker, tested in Outage.Tests.ps1, would cut it short).
        $conn = Connect-OneStore -ClientId $outApp.ClientId -ClientSecret $outApp.SecureSecret -BaseUri $emu.BaseUri -PassThru -BreakAfterFailures 0
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503 }
        Reset-EmulatorCounter -Emulator $emu

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($outItems | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        Write-Host ("    outage with defaults: 6 lookups failed in {0:0.0} s" -f $watch.Elapsed.TotalSeconds)

        $out | Should -BeNullOrEmpty
        @($errs.FullyQualifiedErrorId | Select-Object -Unique) | Should -BeExactly @('ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand')
        $errs | Should -HaveCount 6
        (Get-EmulatorCounter -Emulator $emu -Route 'getPurchaseDetails') | Should -Be 24 -Because 'the default is 3 retries'
    }

    It 'replies that never come: each item ends with its own RequestTimeout after the bounded attempts' {
        $conn = Connect-OneStore -ClientId $outApp.ClientId -ClientSecret $outApp.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 1 -RetryBaseDelaySec 0.01 -TimeoutSec 1 -BreakAfterFailures 0
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60000 }
        Reset-EmulatorCounter -Emulator $emu

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @($outItems[0..2] | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        Write-Host ("    hung replies: 3 lookups timed out in {0:0.0} s" -f $watch.Elapsed.TotalSeconds)

        $out | Should -BeNullOrEmpty
        $errs | Should -HaveCount 3
        foreach ($i in 0..2) {
            $errs[$i].FullyQualifiedErrorId | Should -BeExactly 'RequestTimeout,OneStoreIap.Commands.GetOneStorePurchaseCommand'
            $errs[$i].CategoryInfo.Category | Should -Be 'OperationTimeout'
            ($errs[$i] | Get-ErrorTargetToken) | Should -BeExactly $outItems[$i].purchaseToken
        }
        (Get-EmulatorCounter -Emulator $emu -Route 'getPurchaseDetails') | Should -Be 6
    }

    It 'Connect-OneStore during an outage fails with ServiceMaintenance after the bounded retries' {
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'issueToken'; status = 503 }
        Reset-EmulatorCounter -Emulator $emu

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $e = Get-ThrownError { Connect-OneStore -ClientId $outApp.ClientId -ClientSecret $outApp.SecureSecret -BaseUri $emu.BaseUri -PassThru -MaximumRetryCount 2 -RetryBaseDelaySec 0.01 }
        $watch.Stop()

        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.ConnectOneStoreCommand'
        (Get-EmulatorCounter -Emulator $emu).tokenRequests | Should -Be 3
    }

    It 'the pipeline goes on: the item after a failed one succeeds once the outage ends' {
        $conn = Connect-OneStore -ClientId $outApp.ClientId -ClientSecret $outApp.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 2 -RetryBaseDelaySec 0.01
        # Exactly the first item's three attempts fail.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503; count = 3 }

        $out = @($outItems[0..2] | Get-OneStorePurchase -Connection $conn -ThrottleLimit 1 -ErrorAction SilentlyContinue -ErrorVariable errs)

        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        ($errs[0] | Get-ErrorTargetToken) | Should -BeExactly $outItems[0].purchaseToken
        $out.PurchaseToken | Should -BeExactly @($outItems[1].purchaseToken, $outItems[2].purchaseToken)
    }
}

Describe 'Token expiry mid-run' {
    BeforeAll {
        # Tokens live 2 s; the client renews 0.5 s before expiry (a quarter of the lifetime).
        $script:shortEmu = Start-TestEmulator -TokenLifetime 2
        $script:shortApp = New-TestApp -Emulator $shortEmu -Markets MKT_ONE
        $script:shortItems = @(New-BulkPurchase -Emulator $shortEmu -App $shortApp -ProductId 'expiry_look' -Count 100 -Acknowledged)

        # Looks up the items again and again for -Seconds (at most 20,000 lookups), each pass returning every item.
        function Invoke-LookupRun($Connection, [double] $Seconds) {
            $errs = [System.Collections.Generic.List[object]]::new()
            $calls = 0
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            while ($watch.Elapsed.TotalSeconds -lt $Seconds -and $calls -lt 20000) {
                $out = @($shortItems | Get-OneStorePurchase -Connection $Connection -ErrorAction SilentlyContinue -ErrorVariable +errs)
                $out.Count | Should -Be $shortItems.Count
                $calls += $shortItems.Count
            }
            $watch.Stop()
            [pscustomobject]@{ Errors = $errs; Calls = $calls; Seconds = $watch.Elapsed.TotalSeconds }
        }
    }

    AfterAll {
        $script:shortEmu | Stop-TestEmulator
    }

    It 'runs through several token lifetimes with no failure and about one token request per renewal period' {
        $conn = Connect-OneStore -ClientId $shortApp.ClientId -ClientSecret $shortApp.SecureSecret -BaseUri $shortEmu.BaseUri -PassThru
        # Slow replies stretch the run across token lifetimes whatever the machine's speed.
        $null = Add-EmulatorFault -Emulator $shortEmu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 20 }
        Reset-EmulatorCounter -Emulator $shortEmu

        $run = Invoke-LookupRun $conn 9
        $errs = $run.Errors; $calls = $run.Calls; $seconds = $run.Seconds
        $counters = Get-EmulatorCounter -Emulator $shortEmu
        Write-Host ("    token expiry: {0} lookups in {1:0.0} s with 2-s tokens: {2} token requests (run time / renewal period = {3:0.0})" -f `
                $calls, $seconds, $counters.tokenRequests, ($seconds / 1.5))

        $errs | ForEach-Object { Write-Host "    error: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        $errs.Count | Should -Be 0
        # A new token every 1.5 s of run time (lifetime minus margin): at least one per lifetime that passed, and not
        # many more than one per 1.5 s (one extra per period allowed for a request that reached the server just after expiry).
        $counters.tokenRequests | Should -BeGreaterOrEqual ([Math]::Floor($seconds / 2) - 1)
        $counters.tokenRequests | Should -BeLessOrEqual ([Math]::Ceiling($seconds / 1.5) * 2 + 2)
        $counters.tokenRequests | Should -BeLessThan ($calls / 20)
    }

    It 'renews through faults on every route, the token route included, with no failure' {
        $conn = Connect-OneStore -ClientId $shortApp.ClientId -ClientSecret $shortApp.SecureSecret -BaseUri $shortEmu.BaseUri -PassThru `
            -MaximumRetryCount 8 -RetryBaseDelaySec 0.01
        foreach ($f in @(
                @{ route = '*'; status = 503; code = 'ServiceMaintenance'; rate = 0.10; seed = 21 }
                @{ route = '*'; drop = 'before'; rate = 0.025; seed = 22 }
                @{ route = '*'; drop = 'after'; rate = 0.025; seed = 23 }
                @{ route = '*'; latencyJitterMs = 50; seed = 24 })) {
            $null = Add-EmulatorFault -Emulator $shortEmu -Fault $f
        }
        Reset-EmulatorCounter -Emulator $shortEmu

        $run = Invoke-LookupRun $conn 7
        $errs = $run.Errors; $calls = $run.Calls
        $counters = Get-EmulatorCounter -Emulator $shortEmu
        Clear-EmulatorFault -Emulator $shortEmu
        Write-Host ("    token expiry under faults: {0} lookups in {1:0.0} s: {2} token requests, {3} answered 503, {4} dropped" -f `
                $calls, $run.Seconds, $counters.tokenRequests, $counters.faultReplies, $counters.connectionsDropped)

        $errs | Select-Object -First 5 | ForEach-Object { Write-Host "    error: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        $errs.Count | Should -Be 0
        $counters.tokenRequests | Should -BeGreaterOrEqual 2
        $counters.tokenRequests | Should -BeLessThan ($calls / 20)
    }

    It 'makes one token request when runspaces sharing one connection all find its token stale at once' {
        $conn = Connect-OneStore -ClientId $shortApp.ClientId -ClientSecret $shortApp.SecureSecret -BaseUri $shortEmu.BaseUri -PassThru
        $items = $shortItems[0..9]
        $ready = [System.Threading.CountdownEvent]::new(6)
        $null = Add-EmulatorFault -Emulator $shortEmu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 20 }
        Reset-EmulatorCounter -Emulator $shortEmu
        $since = (Invoke-EmulatorControl -Emulator $shortEmu -Path 'clock').nowMillis
        $module = $env:ONESTOREIAP_TEST_MODULE
        $helpers = Join-Path $PSScriptRoot 'TestHelpers.psm1'

        $out = 1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:module
            Import-Module $using:helpers
            $c = $using:conn
            $gate = $using:ready
            # Start together, once the token is due for renewal (0.5 s before its expiry).
            $null = $gate.Signal()
            if (-not $gate.Wait([TimeSpan]::FromSeconds(60))) { throw 'the runspaces did not all start' }
            $due = $c.TokenExpiresOn.AddSeconds(-0.45)
            if (-not (Wait-TestCondition { [DateTimeOffset]::UtcNow -ge $due })) { throw 'the token never became due for renewal' }
            # All ten requests of each runspace start at once.
            $using:items | Get-OneStorePurchase -Connection $c -ThrottleLimit 10 -ErrorAction Stop
        }

        @($out).Count | Should -Be 60
        # The burst makes one token request. Later ones (if this loaded machine takes more than the new token's
        # 1.5 s of use to finish) are the periodic renewals, at least 1.5 s later.
        $tokenTimes = @(Get-EmulatorRequest -Emulator $shortEmu -Last 1000 | Where-Object { $_.route -eq 'issueToken' -and $_.timeMillis -ge $since } | ForEach-Object timeMillis)
        Write-Host ("    single flight: 6 runspaces x 10 concurrent lookups with a stale token: {0} token request(s), {1} in the first second" -f `
                $tokenTimes.Count, @($tokenTimes | Where-Object { $_ -lt $tokenTimes[0] + 1000 }).Count)
        $tokenTimes.Count | Should -BeGreaterOrEqual 1
        @($tokenTimes | Where-Object { $_ -lt $tokenTimes[0] + 1000 }).Count | Should -Be 1
    }
}

Describe 'Ctrl+C during a bulk run' {
    BeforeAll {
        $script:stopApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:stopItems = @(New-BulkPurchase -Emulator $emu -App $stopApp -ProductId 'stop_look' -Count 60 -Acknowledged)
    }

    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'Stop() returns within 1 s with requests in flight and retries pending, and abandons the requests' {
        # About half the lookups get 503 with Retry-After: 30 (the longest wait allowed); independently, about half
        # hang for a minute (a 503 among them comes that late).
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503; retryAfter = 30; rate = 0.5; seed = 5 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60000; rate = 0.5; seed = 6 }
        Reset-EmulatorCounter -Emulator $emu

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $BaseUri, $ClientId, $Secret, $Items)
                    Import-Module $ModulePath
                    $c = Connect-OneStore -ClientId $ClientId -ClientSecret $Secret -BaseUri $BaseUri -PassThru -MaximumRetryCount 5
                    $Items | Get-OneStorePurchase -Connection $c
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($emu.BaseUri).AddArgument($stopApp.ClientId).AddArgument($stopApp.SecureSecret).AddArgument($stopItems)
            $async = $ps.BeginInvoke()

            # Wait (boundedly) until requests hang in the emulator and 503s with Retry-After have gone out.
            Wait-TestCondition -TimeoutSeconds 60 {
                $c = Get-EmulatorCounter -Emulator $emu
                $c.inFlight -ge 2 -and $c.faultReplies -ge 2
            } | Should -BeTrue -Because 'lookups must hang and retries wait before the stop'
            $c = Get-EmulatorCounter -Emulator $emu

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            Write-Host ("    Ctrl+C: Stop() returned in {0:0} ms with {1} requests in flight and {2} retries pending" -f `
                    $watch.Elapsed.TotalMilliseconds, $c.inFlight, $c.faultReplies)

            $ps.InvocationStateInfo.State | Should -Be ([System.Management.Automation.PSInvocationState]::Stopped)

            # The requests in flight are cancelled, not left running until their replies come (a minute away): the
            # emulator records them as closed by the client (499), none as answered.
            Wait-TestCondition -TimeoutSeconds 15 { (Get-EmulatorCounter -Emulator $emu).inFlight -eq 0 } |
                Should -BeTrue -Because 'the requests in flight are cancelled, not left waiting for their replies'
            @(Get-EmulatorRequest -Emulator $emu -Last 200 | Where-Object { $_.route -eq 'getPurchaseDetails' -and $_.status -eq 499 }).Count |
                Should -BeGreaterOrEqual 2
        } finally {
            if ($ps.InvocationStateInfo.State -eq 'Running') { $null = $ps.BeginStop($null, $null) }
            $ps.Dispose()
        }
    }
}

Describe 'Replies lost after the change was applied' {
    BeforeAll {
        $script:lostApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:lostConn = Connect-OneStore -ClientId $lostApp.ClientId -ClientSecret $lostApp.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -RetryBaseDelaySec 0.01
    }

    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'acknowledging a <Type> purchase whose reply was lost reports success, already applied, and acknowledges once' -ForEach @(
        @{ Type = 'inapp'; ProductId = 'lost_inapp' }
        @{ Type = 'auto'; ProductId = 'lost_auto' }
        @{ Type = 'subscription'; ProductId = 'lost_sub' }
    ) {
        $p = New-TestPurchase -Emulator $emu -App $lostApp -ProductId $ProductId -Type $Type -Property @{ acknowledged = $false }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'acknowledgePurchase'; drop = 'after'; count = 1 }

        $r = Invoke-OneStoreAcknowledge -ProductId $ProductId -PurchaseToken $p.purchaseToken -Connection $lostConn -Confirm:$false -ErrorVariable errs

        $errs | Should -BeNullOrEmpty
        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeTrue
        $state = Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken
        $state.acknowledgeState | Should -Be 1
        $state.acknowledgeCount | Should -Be 1
    }

    It 'a consume applied but answered too late (timeout) reports success, already applied, and consumes once' {
        $conn = Connect-OneStore -ClientId $lostApp.ClientId -ClientSecret $lostApp.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -RetryBaseDelaySec 0.01 -TimeoutSec 1
        $p = New-TestPurchase -Emulator $emu -App $lostApp -ProductId 'lost_late' -Property @{ acknowledged = $false }
        # The emulator applies the consume, then holds the reply for 30 s.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; latencyMs = 30000; count = 1 }

        $r = Invoke-OneStoreConsume -ProductId 'lost_late' -PurchaseToken $p.purchaseToken -Connection $conn -Confirm:$false -ErrorVariable errs

        $errs | Should -BeNullOrEmpty
        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeTrue
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 1
    }

    It 'a defer whose reply was lost is not sent again: an error that says so, and the subscription deferred once' {
        $p = New-TestPurchase -Emulator $emu -App $lostApp -ProductId 'lost_defer' -Type subscription -Property @{ acknowledged = $true }
        $expiry = $p.expiryTime
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'deferSubscription'; drop = 'after'; count = 1 }
        Reset-EmulatorCounter -Emulator $emu

        $r = Set-OneStoreSubscription -ProductId 'lost_defer' -PurchaseToken $p.purchaseToken -DeferPeriod 3 -Connection $lostConn -Confirm:$false -PassThru `
            -ErrorAction SilentlyContinue -ErrorVariable errs

        $r | Should -BeNullOrEmpty
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'NetworkError,OneStoreIap.Commands.SetOneStoreSubscriptionCommand'
        $errs[0].Exception.Message | Should -Match 'may have been applied'
        (Get-EmulatorCounter -Emulator $emu -Route 'deferSubscription') | Should -Be 1
        $state = Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken
        $state.changeCount | Should -Be 1
        $state.expiryTime | Should -Be ($expiry + 3 * 86400000)
    }

    It 'a defer answered 503 (so not applied) is still retried' {
        $p = New-TestPurchase -Emulator $emu -App $lostApp -ProductId 'lost_defer' -Type subscription -Property @{ acknowledged = $true }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'deferSubscription'; status = 503; count = 1 }

        $r = Set-OneStoreSubscription -ProductId 'lost_defer' -PurchaseToken $p.purchaseToken -DeferPeriod 1 -Connection $lostConn -Confirm:$false -PassThru -ErrorVariable errs

        $errs | Should -BeNullOrEmpty
        $r.Code | Should -BeExactly 'Success'
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).changeCount | Should -Be 1
    }
}

Describe 'Ctrl+C while connecting' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'Stop() returns within 1 s while the token request hangs' {
        $app2 = New-TestApp -Emulator $emu -Markets MKT_ONE
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'issueToken'; latencyMs = 60000 }
        Reset-EmulatorCounter -Emulator $emu

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $BaseUri, $ClientId, $Secret)
                    Import-Module $ModulePath
                    Connect-OneStore -ClientId $ClientId -ClientSecret $Secret -BaseUri $BaseUri -PassThru
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($emu.BaseUri).AddArgument($app2.ClientId).AddArgument($app2.SecureSecret)
            $null = $ps.BeginInvoke()

            Wait-TestCondition -TimeoutSeconds 60 { (Get-EmulatorCounter -Emulator $emu).inFlight -ge 1 } | Should -BeTrue
            $c = Get-EmulatorCounter -Emulator $emu
            $c.inFlight | Should -Be 1
            $c.tokenRequests | Should -Be 1

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            Write-Host ("    Ctrl+C while connecting: Stop() returned in {0:0} ms" -f $watch.Elapsed.TotalMilliseconds)

            $ps.InvocationStateInfo.State | Should -Be ([System.Management.Automation.PSInvocationState]::Stopped)
            Wait-TestCondition -TimeoutSeconds 15 { (Get-EmulatorCounter -Emulator $emu).inFlight -eq 0 } |
                Should -BeTrue -Because 'the token request is cancelled, not left waiting for its reply'
            @(Get-EmulatorRequest -Emulator $emu -Last 50 | Where-Object { $_.route -eq 'issueToken' -and $_.status -eq 499 }).Count |
                Should -BeGreaterOrEqual 1
        } finally {
            if ($ps.InvocationStateInfo.State -eq 'Running') { $null = $ps.BeginStop($null, $null) }
            $ps.Dispose()
        }
    }
}
