# The example ops script, tested the way a user would test their own: against the emulator, with real files.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:script = Join-Path $PSScriptRoot '..' '..' 'examples' 'Invoke-NightlyReconciliation.ps1'
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Invoke-NightlyReconciliation.ps1' {
    BeforeEach {
        $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:conn = Connect-OneStore -Credential $app.Credential -BaseUri $emu.BaseUri -PassThru
        # Last night's ledger: two items granted, one of them since refunded; today's new purchases are unconfirmed.
        $script:old1 = New-TestPurchase -Emulator $emu -App $app -ProductId 'hero_skin' -Property @{ acknowledged = $true; purchaseTime = '-1d' }
        $script:old2 = New-TestPurchase -Emulator $emu -App $app -ProductId 'hero_skin' -Property @{ acknowledged = $true; purchaseTime = '-1d' }
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($old2.purchaseToken)/void" -Method POST -Body @{ voidedTime = '-1h' }
        $script:gems = 1..2 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100' }
        $script:sword = New-TestPurchase -Emulator $emu -App $app -ProductId 'golden_sword'
        $script:pass = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        $script:ledger = Join-Path $TestDrive "ledger-$($app.ClientId).csv"
        $script:audit = Join-Path $TestDrive "audit-$($app.ClientId).csv"
        @(
            [pscustomobject]@{ PurchaseToken = $old1.purchaseToken; ProductId = 'hero_skin'; Status = 'Granted' }
            [pscustomobject]@{ PurchaseToken = $old2.purchaseToken; ProductId = 'hero_skin'; Status = 'Granted' }
        ) | Export-Csv -Path $ledger -NoTypeInformation -Encoding utf8
    }

    It 'consumes consumables, acknowledges the rest, revokes refunds and writes the audit log' {
        $summary = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit -ConsumableProductId 'gem_100'

        $summary.Consumed | Should -Be 2
        $summary.Acknowledged | Should -Be 2
        $summary.Revoked | Should -Be 1
        $summary.Failed | Should -Be 0

        foreach ($g in $gems) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $g.purchaseToken).consumeCount | Should -Be 1 }
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $sword.purchaseToken).consumeCount | Should -Be 0
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $sword.purchaseToken).acknowledgeCount | Should -Be 1
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $pass.purchaseToken).acknowledgeCount | Should -Be 1

        $rows = @(Import-Csv $ledger)
        $byToken = @{}; foreach ($r in $rows) { $byToken[$r.PurchaseToken] = $r }
        $byToken[$old1.purchaseToken].Status | Should -BeExactly 'Granted'
        $byToken[$old2.purchaseToken].Status | Should -BeExactly 'Revoked'
        $byToken[$old2.purchaseToken].RevokedAt | Should -Not -BeNullOrEmpty
        foreach ($p in @($gems) + $sword + $pass) { $byToken[$p.purchaseToken].Status | Should -BeExactly 'Granted' }

        $auditRows = @(Import-Csv $audit)
        $auditRows | Should -HaveCount 5
        ($auditRows | Where-Object Operation -Match 'Consume').PurchaseToken | Sort-Object | Should -Be ($gems.purchaseToken | Sort-Object)
        ($auditRows | Where-Object Operation -EQ 'Revoke').PurchaseToken | Should -Be @($old2.purchaseToken)
        ($auditRows | Where-Object Operation -Match 'Acknowledge|Consume').Code | Sort-Object -Unique | Should -Be @('Success')
    }

    It 'a second run finds nothing left to do' {
        $null = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit -ConsumableProductId 'gem_100'
        $again = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit -ConsumableProductId 'gem_100'
        $again.Unconfirmed | Should -Be 0
        $again.Revoked | Should -Be 0
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $gems[0].purchaseToken).consumeCount | Should -Be 1
    }

    It 'logs a failed item in the audit log and still does the others' {
        # The sword is refunded between listing and confirming: its acknowledge fails, the rest go through.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'acknowledgePurchase'; status = 409; code = 'InvalidPurchaseState'; message = 'Purchase history does not exist or is not completed.'; count = 1 }
        try {
            $summary = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit -ConsumableProductId 'gem_100' -ThrottleLimit 1 -WarningAction SilentlyContinue
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $summary.Failed | Should -Be 1
        $summary.Consumed | Should -Be 2
        $summary.Acknowledged | Should -Be 1
        (Import-Csv $audit | Where-Object Code -EQ 'InvalidPurchaseState') | Should -HaveCount 1
    }

    It '-WhatIf confirms nothing and writes no file' {
        $ledgerBefore = Get-Content -Raw $ledger
        $before = (Get-EmulatorCounter -Emulator $emu).routes
        $null = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit -ConsumableProductId 'gem_100' -WhatIf

        Get-EmulatorCounter -Emulator $emu -Route 'consumePurchase' | Should -Be $(if ($before.PSObject.Properties['consumePurchase']) { $before.consumePurchase } else { 0 })
        Get-EmulatorCounter -Emulator $emu -Route 'acknowledgePurchase' | Should -Be $(if ($before.PSObject.Properties['acknowledgePurchase']) { $before.acknowledgePurchase } else { 0 })
        Get-Content -Raw $ledger | Should -BeExactly $ledgerBefore
        Test-Path $audit | Should -BeFalse
        Test-Path "$ledger.voided-sync.json" | Should -BeFalse
    }

    It 'keeps the refund sync''s state beside the ledger; a refund after a run is revoked by the next, once' {
        $null = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit -ConsumableProductId 'gem_100'
        (Get-Content -Raw "$ledger.voided-sync.json" | ConvertFrom-Json).clientId | Should -BeExactly $app.ClientId
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($sword.purchaseToken)/void" -Method POST -Body @{ voidedTime = '-1s' }
        $null = Invoke-EmulatorControl -Emulator $emu -Path 'clock/advance' -Method POST -Body @{ minutes = 1 }

        $next = & $script -Connection $conn -LedgerPath $ledger -AuditPath $audit
        $next.Revoked | Should -Be 1
        (Import-Csv $ledger | Where-Object PurchaseToken -EQ $sword.purchaseToken).Status | Should -BeExactly 'Revoked'
        (Import-Csv $audit | Where-Object Operation -EQ 'Revoke').ProductId | Should -Be @('golden_sword')
        (& $script -Connection $conn -LedgerPath $ledger -AuditPath $audit).Revoked | Should -Be 0
    }

    It 'connects by itself with -Credential and -BaseUri' {
        $summary = & $script -Credential $app.Credential -BaseUri $emu.BaseUri -LedgerPath $ledger -AuditPath $audit
        $summary.Acknowledged | Should -Be 4
        $summary.Consumed | Should -Be 0
    }
}
