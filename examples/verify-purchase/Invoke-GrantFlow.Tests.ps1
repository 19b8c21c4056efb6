# Tests of Invoke-GrantFlow.ps1 with only the module's public cmdlets, against an emulator inside this pwsh process.
# The emulator signs every purchase's receipt with its app's key, as the ONE store SDK hands it to the app, so a test
# plays the app sending its receipt to the server. Run with: Invoke-Pester ./Invoke-GrantFlow.Tests.ps1

BeforeAll {
    Import-Module OneStoreIap
    $script:Flow = Join-Path $PSScriptRoot 'Invoke-GrantFlow.ps1'

    # Our app, and another one whose receipts must never be granted by our server.
    $seed = Join-Path $TestDrive 'seed.json'
    @{ apps = @(
            @{ clientId = 'com.example.game'; clientSecret = 'test-secret'; markets = @('MKT_ONE') }
            @{ clientId = 'com.example.other'; clientSecret = 'other-secret'; markets = @('MKT_ONE') }
        ) } | ConvertTo-Json -Depth 5 | Set-Content -Path $seed -Encoding utf8
    $script:Emulator = Start-OneStoreEmulator -SeedPath $seed
    # The connection carries the app's license key (the emulator's, as the Developer Center shows it). No retries: a
    # failure injected by a test shows at once.
    Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0

    function Save-Receipt {
        # What the app sends its server: the SDK's originalJson and signature, as a CSV (or JSON) file.
        param([Parameter(Mandatory)][object[]] $Receipt, [switch] $Json)
        $path = Join-Path $TestDrive "receipts-$([guid]::NewGuid().ToString('n')).$($Json ? 'json' : 'csv')"
        $rows = $Receipt | Select-Object OriginalJson, Signature
        if ($Json) { ConvertTo-Json -InputObject @($rows) | Set-Content -LiteralPath $path -Encoding utf8 }
        else { $rows | Export-Csv -LiteralPath $path -Encoding utf8 }
        $path
    }
}

AfterAll {
    Disconnect-OneStore
    Stop-OneStoreEmulator
}

Describe 'Invoke-GrantFlow.ps1' {
    BeforeEach {
        $script:Ledger = Join-Path $TestDrive "ledger-$([guid]::NewGuid().ToString('n')).csv"
    }

    It 'grants a valid purchase once and consumes it; the same receipt again grants nothing' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload order-1001
        $receipts = Save-Receipt $gem

        $first = & $Flow -ReceiptPath $receipts -LedgerPath $Ledger

        $first.Outcome | Should -BeExactly 'Granted'
        $first.Confirmed | Should -BeTrue
        $first.PurchaseToken | Should -BeExactly $gem.PurchaseToken
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 1
        $rows = @(Import-Csv $Ledger)
        $rows.Count | Should -Be 1
        $rows[0].PurchaseId | Should -BeExactly $gem.PurchaseId
        $rows[0].ConfirmedAt | Should -Not -BeNullOrEmpty

        $second = & $Flow -ReceiptPath $receipts -LedgerPath $Ledger

        $second.Outcome | Should -BeExactly 'Refused'
        $second.Reasons | Should -Be @('AlreadyConsumed')
        @(Import-Csv $Ledger).Count | Should -Be 1
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 1
    }

    It 'reads receipts from JSON too, and acknowledges an auto-renewal product instead of consuming it' {
        $pass = Add-OneStoreEmulatorPurchase -ProductId monthly_pass -Type Auto

        $result = & $Flow -ReceiptPath (Save-Receipt $pass -Json) -LedgerPath $Ledger

        $result.Outcome | Should -BeExactly 'Granted'
        $result.Confirmed | Should -BeTrue
        $state = Get-OneStoreEmulatorPurchase -PurchaseToken $pass.PurchaseToken
        $state.AcknowledgeState | Should -Be 'Acknowledged'
        $state.ConsumeCount | Should -Be 0
    }

    It 'refuses a tampered receipt: SignatureInvalid' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100 -Quantity 1
        # The app (or whoever sits between it and the server) turns one gem pack into nine.
        $tampered = [pscustomobject]@{ OriginalJson = $gem.OriginalJson -replace '"quantity":1', '"quantity":9'; Signature = $gem.Signature }
        $tampered.OriginalJson | Should -Not -BeExactly $gem.OriginalJson

        $result = & $Flow -ReceiptPath (Save-Receipt $tampered) -LedgerPath $Ledger

        $result.Outcome | Should -BeExactly 'Refused'
        $result.Reasons | Should -Contain 'SignatureInvalid'
        @(Import-Csv $Ledger) | Should -BeNullOrEmpty
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 0
    }

    It 'refuses a receipt of another app: ClientIdMismatch' {
        $foreign = Add-OneStoreEmulatorPurchase -ProductId gem_100 -ClientId com.example.other

        $result = & $Flow -ReceiptPath (Save-Receipt $foreign) -LedgerPath $Ledger

        $result.Outcome | Should -BeExactly 'Refused'
        $result.Reasons | Should -Contain 'ClientIdMismatch'
        # Signed with the other app's key, so not with ours either.
        $result.Reasons | Should -Contain 'SignatureInvalid'
        @(Import-Csv $Ledger) | Should -BeNullOrEmpty
        (Get-OneStoreEmulatorPurchase -PurchaseToken $foreign.PurchaseToken).ConsumeCount | Should -Be 0
    }

    It 'refuses a purchase that was consumed already: AlreadyConsumed' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100
        # Granted and consumed by some other path before this receipt arrives.
        $null = $gem | Invoke-OneStoreConsume

        $result = & $Flow -ReceiptPath (Save-Receipt $gem) -LedgerPath $Ledger

        $result.Outcome | Should -BeExactly 'Refused'
        $result.Reasons | Should -Be @('AlreadyConsumed')
        @(Import-Csv $Ledger) | Should -BeNullOrEmpty
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 1
    }

    It 'refuses a refunded purchase: Cancelled' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100
        # The receipt the app kept still says "purchased"; ONE store's record says refunded.
        $gem | Revoke-OneStoreEmulatorPurchase

        $result = & $Flow -ReceiptPath (Save-Receipt $gem) -LedgerPath $Ledger

        $result.Outcome | Should -BeExactly 'Refused'
        $result.Reasons | Should -Contain 'Cancelled'
        @(Import-Csv $Ledger) | Should -BeNullOrEmpty
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 0
    }

    It 'grants the good receipts of a batch and refuses the bad ones, each with its own reasons' {
        $good = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $refunded = Add-OneStoreEmulatorPurchase -ProductId hero_skin
        $refunded | Revoke-OneStoreEmulatorPurchase

        $results = @(& $Flow -ReceiptPath (Save-Receipt $good, $refunded) -LedgerPath $Ledger)

        $results.Count | Should -Be 2
        ($results | Where-Object PurchaseToken -EQ $good.PurchaseToken).Outcome | Should -BeExactly 'Granted'
        ($results | Where-Object PurchaseToken -EQ $refunded.PurchaseToken).Reasons | Should -Contain 'Cancelled'
        @(Import-Csv $Ledger).PurchaseId | Should -Be @($good.PurchaseId)
    }

    It 'a consume that fails leaves the grant in the ledger; the next run consumes it without granting again' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $receipts = Save-Receipt $gem
        $null = Add-OneStoreEmulatorFault -Route consumePurchase -StatusCode 500 -Count 1

        $first = & $Flow -ReceiptPath $receipts -LedgerPath $Ledger

        $first.Outcome | Should -BeExactly 'Granted'
        $first.Confirmed | Should -BeFalse
        $first.Reasons | Should -Be @('InternalError')
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 0

        $second = & $Flow -ReceiptPath $receipts -LedgerPath $Ledger

        $second.Outcome | Should -BeExactly 'AlreadyGranted'
        $second.Confirmed | Should -BeTrue
        @(Import-Csv $Ledger).Count | Should -Be 1
        (Get-OneStoreEmulatorPurchase -PurchaseToken $gem.PurchaseToken).ConsumeCount | Should -Be 1
    }

    It 'a receipt ONE store could not be asked about is neither granted nor refused, and the next run grants it' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $receipts = Save-Receipt $gem
        $null = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 503 -Code ServiceMaintenance -Count 1

        $first = & $Flow -ReceiptPath $receipts -LedgerPath $Ledger

        $first.Outcome | Should -BeExactly 'Failed'
        $first.Reasons | Should -Be @('ServiceMaintenance')
        $first.PurchaseToken | Should -BeExactly $gem.PurchaseToken
        @(Import-Csv $Ledger) | Should -BeNullOrEmpty

        (& $Flow -ReceiptPath $receipts -LedgerPath $Ledger).Outcome | Should -BeExactly 'Granted'
    }
}
