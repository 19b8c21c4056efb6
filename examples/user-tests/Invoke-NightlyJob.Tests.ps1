# Tests of Invoke-NightlyJob.ps1, the way you test your own ops scripts: against an emulator that runs inside this
# pwsh process, driven only by the module's public cmdlets. Run with: Invoke-Pester ./Invoke-NightlyJob.Tests.ps1

BeforeAll {
    Import-Module OneStoreIap
    $script:Job = Join-Path $PSScriptRoot 'Invoke-NightlyJob.ps1'

    # Our own seed: one app and no purchases yet, so every purchase the job sees is one a test made.
    $seed = Join-Path $TestDrive 'seed.json'
    @{ apps = @(@{ clientId = 'com.example.game'; clientSecret = 'test-secret'; markets = @('MKT_ONE') }) } |
        ConvertTo-Json -Depth 5 | Set-Content -Path $seed -Encoding utf8
    $script:Emulator = Start-OneStoreEmulator -SeedPath $seed
    # No retries: a failure injected by a test shows at once.
    Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
}

AfterAll {
    Disconnect-OneStore
    Stop-OneStoreEmulator
}

Describe 'Invoke-NightlyJob.ps1' {
    BeforeEach {
        # A fresh ledger and audit log for each test; purchases of earlier tests are all confirmed by then.
        $script:Ledger = Join-Path $TestDrive "ledger-$([guid]::NewGuid().ToString('n')).csv"
        $script:Audit = Join-Path $TestDrive "audit-$([guid]::NewGuid().ToString('n')).csv"
        $null = & $Job -LedgerPath $Ledger -AuditPath $Audit
        Remove-Item $Ledger, $Audit, "$Ledger.voided-sync.json" -ErrorAction Ignore
        # The sync's state file, beside the ledger unless -SyncStatePath says otherwise.
        $script:State = "$Ledger.voided-sync.json"
    }

    AfterEach { Clear-OneStoreEmulatorFault }

    It 'acknowledges what users bought and records it in the ledger as granted' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload order-1001
        $pass = Add-OneStoreEmulatorPurchase -ProductId monthly_pass -Type Auto

        $summary = & $Job -LedgerPath $Ledger -AuditPath $Audit

        $summary.Acknowledged | Should -Be 2
        $summary.Failed | Should -Be 0
        ($gem | Get-OneStorePurchase).AcknowledgeState | Should -Be 'Acknowledged'
        ($pass | Get-OneStorePurchase).AcknowledgeState | Should -Be 'Acknowledged'
        Get-OneStoreUnconfirmedPurchase | Should -BeNullOrEmpty
        $rows = Import-Csv $Ledger
        @($rows | Where-Object Status -EQ 'Granted' | ForEach-Object PurchaseToken) | Sort-Object |
            Should -Be (@($gem.PurchaseToken, $pass.PurchaseToken) | Sort-Object)
        @(Import-Csv $Audit | Where-Object Action -EQ 'Acknowledged').Count | Should -Be 2
    }

    It 'revokes a refunded purchase once, and records when ONE store voided it' {
        $skin = Add-OneStoreEmulatorPurchase -ProductId hero_skin
        $null = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $skin | Revoke-OneStoreEmulatorPurchase
        # The night passes (ONE store's clock tells whole seconds: a refund of this very second is read next run).
        Set-OneStoreEmulatorClock -Advance '00:01:00'

        $summary = & $Job -LedgerPath $Ledger -AuditPath $Audit

        $summary.Revoked | Should -Be 1
        $row = Import-Csv $Ledger | Where-Object PurchaseToken -EQ $skin.PurchaseToken
        $row.Status | Should -Be 'Revoked'
        [DateTimeOffset]$row.RevokedAt | Should -BeGreaterThan ([DateTimeOffset]$row.GrantedAt).AddSeconds(-5)
        $logged = @(Import-Csv $Audit | Where-Object { $_.Action -eq 'Revoked' -and $_.PurchaseToken -eq $skin.PurchaseToken })
        $logged.Count | Should -Be 1
        $logged[0].ProductId | Should -BeExactly 'hero_skin'

        # The next night finds nothing new to revoke.
        (& $Job -LedgerPath $Ledger -AuditPath $Audit).Revoked | Should -Be 0
    }

    It 'leaves refunds of purchases it never granted alone' {
        $elsewhere = Add-OneStoreEmulatorPurchase -ProductId hero_skin
        $elsewhere | Revoke-OneStoreEmulatorPurchase

        $summary = & $Job -LedgerPath $Ledger -AuditPath $Audit

        $summary.Revoked | Should -Be 0
        Import-Csv $Ledger | Where-Object PurchaseToken -EQ $elsewhere.PurchaseToken | Should -BeNullOrEmpty
    }

    It 'logs a purchase ONE store failed to acknowledge, goes on, and acknowledges it the next night' {
        $first = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $second = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $null = Add-OneStoreEmulatorFault -Route acknowledgePurchase -StatusCode 500 -Count 1

        $summary = & $Job -LedgerPath $Ledger -AuditPath $Audit

        $summary.Failed | Should -Be 1
        $summary.Acknowledged | Should -Be 1
        $failed = @(Import-Csv $Audit | Where-Object Action -EQ 'Failed')
        $failed.Count | Should -Be 1
        $failed[0].Detail | Should -Be 'InternalError'
        $failed[0].PurchaseToken | Should -BeIn @($first.PurchaseToken, $second.PurchaseToken)

        $next = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $next.Acknowledged | Should -Be 1
        $next.Failed | Should -Be 0
        @(Import-Csv $Ledger | Where-Object Status -EQ 'Granted').Count | Should -Be 2
    }

    It 'a second run revokes nothing and keeps its sync state; a refund after it is revoked by the next run' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $first = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $first.Acknowledged | Should -Be 1
        Test-Path $State | Should -BeTrue
        (Get-Content -Raw $State | ConvertFrom-Json).clientId | Should -BeExactly 'com.example.game'

        $second = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $second.Acknowledged | Should -Be 0
        $second.Revoked | Should -Be 0
        Test-Path $State | Should -BeTrue

        $gem | Revoke-OneStoreEmulatorPurchase
        Set-OneStoreEmulatorClock -Advance '00:01:00'
        $third = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $third.Revoked | Should -Be 1
        (Import-Csv $Ledger | Where-Object PurchaseToken -EQ $gem.PurchaseToken).Status | Should -Be 'Revoked'
        @(Import-Csv $Audit | Where-Object Action -EQ 'Revoked').ProductId | Should -Be @('gem_100')
    }

    It 'keeps its sync state where -SyncStatePath says' {
        $elsewhere = Join-Path $TestDrive "sync-$([guid]::NewGuid().ToString('n')).json"
        $null = & $Job -LedgerPath $Ledger -AuditPath $Audit -SyncStatePath $elsewhere
        Test-Path $elsewhere | Should -BeTrue
        Test-Path $State | Should -BeFalse
    }

    It 'loses no refund when the voided list fails: the next run revokes it' {
        $skin = Add-OneStoreEmulatorPurchase -ProductId hero_skin
        $null = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $stateBefore = Get-Content -Raw $State
        $skin | Revoke-OneStoreEmulatorPurchase
        Set-OneStoreEmulatorClock -Advance '00:01:00'
        $null = Add-OneStoreEmulatorFault -Route getVoidedPurchases -StatusCode 500 -Count 1

        { & $Job -LedgerPath $Ledger -AuditPath $Audit } | Should -Throw -ErrorId 'InternalError,OneStoreIap.Commands.SyncOneStoreVoidedPurchaseCommand'
        Get-Content -Raw $State | Should -BeExactly $stateBefore
        (Import-Csv $Ledger | Where-Object PurchaseToken -EQ $skin.PurchaseToken).Status | Should -Be 'Granted'

        (& $Job -LedgerPath $Ledger -AuditPath $Audit).Revoked | Should -Be 1
        (Import-Csv $Ledger | Where-Object PurchaseToken -EQ $skin.PurchaseToken).Status | Should -Be 'Revoked'
    }

    It 'skips a refund emitted again after a run that stopped once it had saved the revocation' {
        $skin = Add-OneStoreEmulatorPurchase -ProductId hero_skin
        $null = & $Job -LedgerPath $Ledger -AuditPath $Audit
        $stateBefore = Get-Content -Raw $State
        $skin | Revoke-OneStoreEmulatorPurchase
        Set-OneStoreEmulatorClock -Advance '00:01:00'
        (& $Job -LedgerPath $Ledger -AuditPath $Audit).Revoked | Should -Be 1
        # As if that run had stopped after saving the ledger, before the sync recorded how far it got.
        Set-Content -Path $State -Value $stateBefore -NoNewline
        # The restored state emits the refund again (read here from a copy, which leaves the job's state as it is).
        Copy-Item $State "$State.probe.json"
        @(Sync-OneStoreVoidedPurchase -StatePath "$State.probe.json").PurchaseToken | Should -Contain $skin.PurchaseToken

        (& $Job -LedgerPath $Ledger -AuditPath $Audit).Revoked | Should -Be 0
        @(Import-Csv $Audit | Where-Object { $_.Action -eq 'Revoked' -and $_.PurchaseToken -eq $skin.PurchaseToken }) | Should -HaveCount 1
    }
}
