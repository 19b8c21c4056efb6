# Outages end in bounded time: after a run of transient failures a connection holds requests back (its circuit
# opens), so 1,000 items against a server that is down cost a bounded number of requests, not 1,000 retry budgets;
# every item still gets its own error, and the connection recovers by itself once the server does. The bounds are
# counts of requests that reached the emulator, not times.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $reply = Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
        clientId = $app.ClientId; productId = 'gem_100'; type = 'inapp'; marketCode = 'MKT_ONE'; count = 1000; acknowledged = $true
    }
    $script:items = @($reply.purchaseTokens | ForEach-Object { [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = $_; Type = 'InApp' } })

    function Wait-Recovered {
        # Looks up one item until the connection lets it through and it succeeds (bounded), as a user retrying would.
        param($Connection)
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline) {
            $ok = Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $items[0].PurchaseToken -Connection $Connection -ErrorAction SilentlyContinue
            if ($ok) { return $true }
            Start-Sleep -Milliseconds 100
        }
        $false
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Outages end in bounded time' {
    AfterEach { Clear-EmulatorFault -Emulator $emu }

    It '1,000 lookups against a server that answers only 503 reach it a bounded number of times, each item one error, then recover' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 3 -RetryBaseDelaySec 0.05 -BreakAfterFailures 10 -BreakDurationSec 2
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503; code = 'ServiceMaintenance' }
        Reset-EmulatorCounter -Emulator $emu

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = @($items | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        $sent = Get-EmulatorCounter -Emulator $emu -Route getPurchaseDetails

        $out | Should -HaveCount 0
        $errs | Should -HaveCount 1000
        @($errs | Get-ErrorTargetToken | Select-Object -Unique) | Should -HaveCount 1000 -Because 'every item gets its own error'
        # An item's last attempt either met the 503 or was held back (its retries included).
        foreach ($id in @($errs.FullyQualifiedErrorId | Sort-Object -Unique)) {
            $id | Should -BeIn @('CircuitOpen,OneStoreIap.Commands.GetOneStorePurchaseCommand', 'ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand')
        }
        $held = @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'CircuitOpen,*' })
        $held.Count | Should -BeGreaterThan 900
        "$($held[0])" | Should -Match 'Not sent: the last 10 requests'
        $held[0].Exception.MayHaveBeenApplied | Should -BeFalse
        # Without the breaker: 1,000 x 4 attempts. With it: the run that opens it, the attempts already in flight, and
        # one trial per break while the run lasts.
        $sent | Should -BeLessOrEqual 100 -Because "4,000 requests would reach a server that is down without it (reached: $sent)"
        Write-Information ("outage: 1,000 lookups, {0} requests reached the server, {1} held back, {2:0.0} s" -f $sent, $held.Count, $watch.Elapsed.TotalSeconds) -InformationAction Continue

        Clear-EmulatorFault -Emulator $emu
        Wait-Recovered -Connection $conn | Should -BeTrue
        $again = @($items | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable errs2)
        $again | Should -HaveCount 1000
        $errs2 | Should -HaveCount 0
    }

    It 'replies that never come: 300 lookups reach the server a bounded number of times, each item one error' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 1 -RetryBaseDelaySec 0.01 -TimeoutSec 1 -BreakAfterFailures 10 -BreakDurationSec 2
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60000 }
        Reset-EmulatorCounter -Emulator $emu

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = @($items[0..299] | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable errs)
        $watch.Stop()
        $sent = Get-EmulatorCounter -Emulator $emu -Route getPurchaseDetails

        $out | Should -HaveCount 0
        $errs | Should -HaveCount 300
        foreach ($id in @($errs.FullyQualifiedErrorId | Sort-Object -Unique)) {
            $id | Should -BeIn @('CircuitOpen,OneStoreIap.Commands.GetOneStorePurchaseCommand', 'RequestTimeout,OneStoreIap.Commands.GetOneStorePurchaseCommand')
        }
        @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'CircuitOpen,*' }).Count | Should -BeGreaterThan 250
        $sent | Should -BeLessOrEqual 60 -Because "600 attempts would wait on a server that never replies without it (reached: $sent)"
        Write-Information ("hung server: 300 lookups, {0} requests reached it, {1:0.0} s" -f $sent, $watch.Elapsed.TotalSeconds) -InformationAction Continue

        Clear-EmulatorFault -Emulator $emu
        Wait-Recovered -Connection $conn | Should -BeTrue
    }

    It 'a change held back says it was not sent, and is not applied' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru `
            -MaximumRetryCount 0 -BreakAfterFailures 2 -BreakDurationSec 30
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = '*'; status = 503; code = 'ServiceMaintenance' }
        $fresh = @(1..4 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -Property @{ acknowledged = $false } })
        $null = @($fresh | Invoke-OneStoreAcknowledge -Connection $conn -ThrottleLimit 1 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errs)
        $errs | Should -HaveCount 4
        $errs[0].FullyQualifiedErrorId | Should -Be 'ServiceMaintenance,OneStoreIap.Commands.InvokeOneStoreAcknowledgeCommand'
        $errs[3].FullyQualifiedErrorId | Should -Be 'CircuitOpen,OneStoreIap.Commands.InvokeOneStoreAcknowledgeCommand'
        $errs[3].Exception.MayHaveBeenApplied | Should -BeFalse
        Clear-EmulatorFault -Emulator $emu
        foreach ($p in $fresh) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeState | Should -Be 0 }
    }
}
