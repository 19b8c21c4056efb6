# Pipeline chaining with real files: CSV in, the module's objects between cmdlets, CSV out.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator

    function Assert-ReadableCsv {
        # Every cell of an exported CSV is readable: no .NET type name where a value should be.
        param([string] $Path)
        $rows = @(Import-Csv -Path $Path)
        $rows | Should -Not -BeNullOrEmpty -Because "$Path has rows"
        foreach ($row in $rows) {
            foreach ($cell in $row.PSObject.Properties) {
                $cell.Value | Should -Not -Match '^(System|OneStoreIap)\.' -Because "column $($cell.Name) of $(Split-Path -Leaf $Path)"
            }
        }
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Import-Csv | Get-OneStorePurchase | Export-Csv' {
    BeforeAll {
        $script:app = New-TestApp -Emulator $emu
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    }

    It 'looks up every row of a tokens.csv and writes one readable row per purchase' {
        $bought = 1..5 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId "gem_$_" }
        $tokens = Join-Path $TestDrive 'tokens.csv'
        $bought | Select-Object @{ n = 'ProductId'; e = { $_.productId } }, @{ n = 'PurchaseToken'; e = { $_.purchaseToken } } |
            Export-Csv -Path $tokens -NoTypeInformation
        $out = Join-Path $TestDrive 'purchases.csv'

        Import-Csv $tokens | Get-OneStorePurchase | Export-Csv -Path $out -NoTypeInformation

        $rows = @(Import-Csv $out)
        $rows | Should -HaveCount 5
        $rows.PurchaseToken | Should -Be $bought.purchaseToken
        $rows.ProductId | Should -Be $bought.productId
        $rows[0].PurchaseState | Should -BeExactly 'Completed'
        $rows[0].ClientId | Should -BeExactly $app.ClientId
        [DateTimeOffset]::Parse($rows[0].PurchaseTime, [cultureinfo]::InvariantCulture).Offset | Should -Be ([TimeSpan]::FromHours(9))
        Assert-ReadableCsv $out
    }

    It 'takes the Type column in the spec''s codes and reads each row on its own route' {
        $inapp = New-TestPurchase -Emulator $emu -App $app -ProductId '다이아100_20170818000000'
        $auto = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        $sub = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $tokens = Join-Path $TestDrive 'mixed.csv'
        @(
            [pscustomobject]@{ ProductId = $inapp.productId; PurchaseToken = $inapp.purchaseToken; Type = 'inapp' }
            [pscustomobject]@{ ProductId = $auto.productId; PurchaseToken = $auto.purchaseToken; Type = 'auto' }
            [pscustomobject]@{ ProductId = $sub.productId; PurchaseToken = $sub.purchaseToken; Type = 'subscription' }
        ) | Export-Csv -Path $tokens -NoTypeInformation -Encoding utf8

        $r = Import-Csv $tokens -Encoding utf8 | Get-OneStorePurchase

        $r | Should -HaveCount 3
        $r[0] | Should -BeOfType ([OneStoreIap.InAppPurchase])
        $r[0].ProductId | Should -BeExactly '다이아100_20170818000000'
        $r[1] | Should -BeOfType ([OneStoreIap.AutoRenewalPurchase])
        $r[2] | Should -BeOfType ([OneStoreIap.Subscription])

        $out = Join-Path $TestDrive 'mixed-out.csv'
        $r | Export-Csv -Path $out -NoTypeInformation
        Assert-ReadableCsv $out
    }

    It 'writes an error for a bad row and still exports the others' {
        $good = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_ok'
        $tokens = Join-Path $TestDrive 'with-bad-row.csv'
        @(
            [pscustomobject]@{ ProductId = 'gem_ok'; PurchaseToken = 'NOSUCHTOKEN000000042' }
            [pscustomobject]@{ ProductId = 'gem_ok'; PurchaseToken = $good.purchaseToken }
        ) | Export-Csv -Path $tokens -NoTypeInformation
        $out = Join-Path $TestDrive 'with-bad-row-out.csv'

        Import-Csv $tokens | Get-OneStorePurchase -ErrorAction SilentlyContinue -ErrorVariable err | Export-Csv -Path $out -NoTypeInformation

        (Import-Csv $out).PurchaseToken | Should -Be @($good.purchaseToken)
        $err | Should -HaveCount 1
        $err[0] | Get-ErrorTargetToken | Should -BeExactly 'NOSUCHTOKEN000000042'
    }
}

Describe 'Get-OneStoreUnconfirmedPurchase | Invoke-OneStoreAcknowledge | Export-Csv' {
    BeforeAll {
        $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    }

    It 'acknowledges every unconfirmed purchase and exports the audit log' {
        $inapp = 1..4 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId "gem_$_" }
        $auto = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        $audit = Join-Path $TestDrive 'audit.csv'

        Get-OneStoreUnconfirmedPurchase -PageSize 2 | Invoke-OneStoreAcknowledge | Export-Csv -Path $audit -NoTypeInformation

        $rows = @(Import-Csv $audit)
        $rows | Should -HaveCount 5
        $rows.Code | Sort-Object -Unique | Should -Be @('Success')
        ($rows.PurchaseToken | Sort-Object) | Should -Be (@($inapp.purchaseToken) + $auto.purchaseToken | Sort-Object)
        foreach ($p in @($inapp) + $auto) {
            (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 1
        }
        Get-OneStoreUnconfirmedPurchase | Should -BeNullOrEmpty
        Assert-ReadableCsv $audit
    }

    It 'consumes the consumables, acknowledges the rest' {
        $coins = 1..2 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId 'coin_pack' }
        $skin = New-TestPurchase -Emulator $emu -App $app -ProductId 'hero_skin'

        $results = Get-OneStoreUnconfirmedPurchase | ForEach-Object {
            if ($_.ProductId -eq 'coin_pack') { $_ | Invoke-OneStoreConsume } else { $_ | Invoke-OneStoreAcknowledge }
        }

        $results | Should -HaveCount 3
        foreach ($c in $coins) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $c.purchaseToken).consumeCount | Should -Be 1 }
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $skin.purchaseToken).consumeCount | Should -Be 0
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $skin.purchaseToken).acknowledgeCount | Should -Be 1
    }

    It '-WhatIf on the chain lists but changes nothing' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_whatif'
        $before = Get-EmulatorCounter -Emulator $emu -Route 'acknowledgePurchase'
        Get-OneStoreUnconfirmedPurchase | Invoke-OneStoreAcknowledge -WhatIf | Should -BeNullOrEmpty
        (Get-EmulatorCounter -Emulator $emu -Route 'acknowledgePurchase') | Should -Be $before
        (Get-OneStoreUnconfirmedPurchase).PurchaseToken | Should -Contain $p.purchaseToken
    }
}

Describe 'Get-OneStoreVoidedPurchase | Export-Csv' {
    BeforeAll {
        $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    }

    It 'exports every voided purchase to a readable CSV' {
        $refunded = 1..3 | ForEach-Object {
            $p = New-TestPurchase -Emulator $emu -App $app -ProductId "gem_$_"
            $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($p.purchaseToken)/void" -Method POST -Body @{}
            $p
        }
        $out = Join-Path $TestDrive 'voided.csv'

        Get-OneStoreVoidedPurchase | Export-Csv -Path $out -NoTypeInformation

        $rows = @(Import-Csv $out)
        ($rows.PurchaseToken | Sort-Object) | Should -Be ($refunded.purchaseToken | Sort-Object)
        $rows[0].VoidedTimeMillis | Should -Match '^\d{13}$'
        Assert-ReadableCsv $out
    }
}

Describe 'Export-Csv of every output type' {
    BeforeAll {
        $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
    }

    It '<Name> exports without type names in its cells' -TestCases @(
        @{ Name = 'InAppPurchase' }
        @{ Name = 'AutoRenewalPurchase' }
        @{ Name = 'Subscription' }
        @{ Name = 'UnconfirmedPurchase' }
        @{ Name = 'VoidedPurchase' }
        @{ Name = 'OperationResult' }
        @{ Name = 'OneStoreConnection' }
    ) {
        $object = switch ($Name) {
            'InAppPurchase' {
                $p = New-TestPurchase -Emulator $emu -App $app
                Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken
            }
            'AutoRenewalPurchase' {
                $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
                $null = Stop-OneStoreSubscription -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto -Confirm:$false
                Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto
            }
            'Subscription' {
                # With the spec's nested objects filled in: they must export as readable text too.
                $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription -Property @{
                    promotionPrice = @{ promotionPrice = '1000'; promotionPeriod = 30 }
                    priceChange    = @{ previousPrice = '4900'; newPrice = '5900'; agreement = $false }
                }
                $s = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken
                $s.PromotionPrice | Should -Not -BeNullOrEmpty
                $s.PriceChange | Should -Not -BeNullOrEmpty
                $s
            }
            'UnconfirmedPurchase' {
                $null = New-TestPurchase -Emulator $emu -App $app
                Get-OneStoreUnconfirmedPurchase
            }
            'VoidedPurchase' {
                $p = New-TestPurchase -Emulator $emu -App $app
                $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($p.purchaseToken)/void" -Method POST -Body @{}
                Get-OneStoreVoidedPurchase
            }
            'OperationResult' {
                $p = New-TestPurchase -Emulator $emu -App $app
                Invoke-OneStoreAcknowledge -ProductId $p.productId -PurchaseToken $p.purchaseToken
            }
            'OneStoreConnection' { $conn }
        }
        $object | Should -Not -BeNullOrEmpty
        @($object)[0].GetType().Name | Should -BeExactly $Name
        $path = Join-Path $TestDrive "$Name.csv"
        $object | Export-Csv -Path $path -NoTypeInformation
        Assert-ReadableCsv $path
    }
}
