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
        Remove-Item $Ledger, $Audit -ErrorAction Ignore
    }

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
}
