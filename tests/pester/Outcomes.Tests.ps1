# Outcomes tell the truth: a change that was applied is never reported as failed, and an error says
# MayHaveBeenApplied whenever an attempt may have reached ONE store. Seeded faults against the emulator; each test
# checks the emulator's own record of what was applied against what the cmdlets reported.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator

    function Invoke-Soak {
        # 500 consumes and 500 acknowledges under the given faults; what each item came out as, and the emulator's record.
        param([hashtable[]] $Faults, [string] $Tag)
        $app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $consumes = @(New-BulkPurchase -Emulator $emu -App $app -ProductId "consume_$Tag" -Count 500)
        $acks = @(New-BulkPurchase -Emulator $emu -App $app -ProductId "ack_$Tag" -Count 500)
        # The default retry budget (3 retries), with short delays so the run stays quick.
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru -RetryBaseDelaySec 0.02
        Reset-EmulatorCounter -Emulator $emu
        foreach ($f in $Faults) { $null = Add-EmulatorFault -Emulator $emu -Fault $f }
        $errs = [System.Collections.Generic.List[object]]::new()
        try {
            $out = @($consumes | Invoke-OneStoreConsume -Connection $conn -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +errs) +
                @($acks | Invoke-OneStoreAcknowledge -Connection $conn -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +errs)
            $counters = Get-EmulatorCounter -Emulator $emu
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $states = Get-EmulatorPurchaseState -Emulator $emu -Token (@($consumes.PurchaseToken) + @($acks.PurchaseToken))
        [pscustomobject]@{ Consumes = $consumes; Acks = $acks; Out = $out; Errors = @($errs); States = $states; Counters = $counters }
    }

    function Test-Soak {
        # Every item exactly one output or one error; nothing applied twice; returns what was applied, per token.
        param($Soak)
        $byToken = @{}
        foreach ($o in $Soak.Out) { $byToken[$o.PurchaseToken] = @($byToken[$o.PurchaseToken]) + @($o) }
        foreach ($e in $Soak.Errors) { $t = $e | Get-ErrorTargetToken; $byToken[$t] = @($byToken[$t]) + @($e) }
        $wrong = [System.Collections.Generic.List[string]]::new()
        $applied = @{}
        foreach ($t in $Soak.Consumes.PurchaseToken) {
            $p = $Soak.States[$t]
            if ($p.consumeCount -gt 1 -or $p.acknowledgeCount -ne 0) { $wrong.Add("consume $t applied $($p.consumeCount) times") }
            $applied[$t] = $p.consumeCount -eq 1
        }
        foreach ($t in $Soak.Acks.PurchaseToken) {
            $p = $Soak.States[$t]
            if ($p.acknowledgeCount -gt 1 -or $p.consumeCount -ne 0) { $wrong.Add("acknowledge $t applied $($p.acknowledgeCount) times") }
            $applied[$t] = $p.acknowledgeCount -eq 1
        }
        foreach ($t in $applied.Keys) {
            $n = @($byToken[$t] | Where-Object { $null -ne $_ }).Count
            if ($n -ne 1) { $wrong.Add("$t came out $n times") }
        }
        $wrong | Select-Object -First 5 | ForEach-Object { Write-Host "    wrong: $_" }
        $wrong.Count | Should -Be 0
        $Soak.Out.Count + $Soak.Errors.Count | Should -Be 1000
        $applied
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Applied changes are never reported as failed' {
    It 'with 20% 503 and 25% dropped-after on the change routes: 0 errors for applied items, each applied once' {
        $faults = foreach ($route in 'consumePurchase', 'acknowledgePurchase') {
            @{ route = $route; status = 503; code = 'ServiceMaintenance'; rate = 0.2; seed = 21 }
            @{ route = $route; drop = 'after'; rate = 0.25; seed = 22 }
        }
        $soak = Invoke-Soak -Faults $faults -Tag 'routes'
        $applied = Test-Soak $soak

        $appliedErrors = @($soak.Errors | Where-Object { $applied[($_ | Get-ErrorTargetToken)] })
        $already = @($soak.Out | Where-Object AlreadyApplied).Count
        Write-Host ("    soak (change routes): {0} outputs ({1} already applied by a lost attempt), {2} errors, {3} for applied items; {4} requests, {5} answered 503, {6} dropped" -f `
                $soak.Out.Count, $already, $soak.Errors.Count, $appliedErrors.Count, $soak.Counters.totalRequests, $soak.Counters.faultReplies, $soak.Counters.connectionsDropped)
        $soak.Errors | Select-Object -First 3 | ForEach-Object { Write-Host "    error: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }

        $appliedErrors.Count | Should -Be 0
        # The faults really happened, and lost replies were resolved by checking the purchase.
        $soak.Counters.connectionsDropped | Should -BeGreaterThan 100
        $already | Should -BeGreaterThan 0
        # Every output is a success, and every item it names was applied.
        @($soak.Out | Where-Object Code -ne 'Success').Count | Should -Be 0
        @($soak.Out | Where-Object { -not $applied[$_.PurchaseToken] }).Count | Should -Be 0
        # What did fail was not applied and says so: only runs of 503, which ONE store answered without applying.
        foreach ($e in $soak.Errors) {
            $e.FullyQualifiedErrorId | Should -BeLike 'ServiceMaintenance,*'
            $e.Exception.MayHaveBeenApplied | Should -BeFalse
        }
    }

    It 'with the faults on every route (the checks fail too): every error for an applied item says MayHaveBeenApplied' {
        $faults = @(
            @{ route = '*'; status = 503; code = 'ServiceMaintenance'; rate = 0.2; seed = 31 }
            @{ route = '*'; drop = 'after'; rate = 0.25; seed = 32 }
        )
        $soak = Invoke-Soak -Faults $faults -Tag 'star'
        $applied = Test-Soak $soak

        $appliedErrors = @($soak.Errors | Where-Object { $applied[($_ | Get-ErrorTargetToken)] })
        Write-Host ("    soak (every route): {0} outputs ({1} already applied), {2} errors, {3} for applied items, all MayHaveBeenApplied; {4} requests" -f `
                $soak.Out.Count, @($soak.Out | Where-Object AlreadyApplied).Count, $soak.Errors.Count, $appliedErrors.Count, $soak.Counters.totalRequests)
        foreach ($e in $appliedErrors) {
            $e.Exception.MayHaveBeenApplied | Should -BeTrue -Because "$($e | Get-ErrorTargetToken) was applied: $($e.Exception.Message)"
            $e.Exception.Message | Should -Match 'may have reached ONE store'
        }
        @($soak.Out | Where-Object { -not $applied[$_.PurchaseToken] }).Count | Should -Be 0
    }
}

Describe 'The smallest case: one lost reply, then the retries run out' {
    BeforeAll {
        $script:oneApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:oneConn = Connect-OneStore -ClientId $oneApp.ClientId -ClientSecret $oneApp.SecureSecret -BaseUri $emu.BaseUri -PassThru -RetryBaseDelaySec 0.01
    }

    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'a consume applied by a dropped attempt, then three 503s, is Success with AlreadyApplied' {
        $p = New-TestPurchase -Emulator $emu -App $oneApp -Property @{ acknowledged = $false }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; drop = 'after'; count = 1 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; status = 503; code = 'ServiceMaintenance'; count = 3 }

        $r = Invoke-OneStoreConsume -ProductId $p.productId -PurchaseToken $p.purchaseToken -Connection $oneConn -Confirm:$false -ErrorAction Stop

        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeTrue
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 1
    }

    It 'when the check fails too, the error says MayHaveBeenApplied and to check before granting' {
        $p = New-TestPurchase -Emulator $emu -App $oneApp -Property @{ acknowledged = $false }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; drop = 'after'; count = 1 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; status = 503; code = 'ServiceMaintenance'; count = 3 }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503; code = 'ServiceMaintenance' }

        $e = Get-ThrownError { Invoke-OneStoreConsume -ProductId $p.productId -PurchaseToken $p.purchaseToken -Connection $oneConn -Confirm:$false -ErrorAction Stop }

        $e.FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.InvokeOneStoreConsumeCommand'
        $e.Exception.MayHaveBeenApplied | Should -BeTrue
        $e.Exception.Message | Should -Match 'Check the purchase before granting anything or trying again'
    }

    It 'a consume answered 200 {} is a ProtocolError unless the purchase says it was applied' {
        $p = New-TestPurchase -Emulator $emu -App $oneApp -Property @{ acknowledged = $false }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; status = 200; body = '{}'; contentType = 'application/json'; count = 1 }

        $e = Get-ThrownError { Invoke-OneStoreConsume -ProductId $p.productId -PurchaseToken $p.purchaseToken -Connection $oneConn -Confirm:$false -ErrorAction Stop }

        $e.FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.InvokeOneStoreConsumeCommand'
        $e.Exception.MayHaveBeenApplied | Should -BeTrue
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 0
    }

    It 'a lookup answered 200 {} is a ProtocolError, not a purchase of nulls' {
        $p = New-TestPurchase -Emulator $emu -App $oneApp
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 200; body = '{}'; contentType = 'application/json'; count = 1 }

        $e = Get-ThrownError { Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken -Connection $oneConn -ErrorAction Stop }

        $e.FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }
}
