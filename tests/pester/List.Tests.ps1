# Get-OneStoreUnconfirmedPurchase and Get-OneStoreVoidedPurchase: paging by continuationKey, streaming, time windows.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    # An app of our own, so the lists hold exactly the purchases made here.
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    $script:unconfirmed = @((Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
                clientId = $app.ClientId; productId = 'gem_100'; type = 'inapp'; marketCode = 'MKT_ONE'; count = 23
            }).purchaseTokens)
    $script:voided = @((Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
                clientId = $app.ClientId; productId = 'gem_500'; type = 'inapp'; marketCode = 'MKT_ONE'; count = 12; voided = $true
            }).purchaseTokens)
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Get-OneStoreUnconfirmedPurchase' {
    BeforeAll {
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    }

    It 'follows continuationKey through every page and returns each purchase once' {
        $before = Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases'
        $all = Get-OneStoreUnconfirmedPurchase -PageSize 5

        $all | Should -HaveCount 23
        ($all.PurchaseToken | Sort-Object) | Should -Be ($unconfirmed | Sort-Object)
        (Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases') - $before | Should -Be 5
    }

    It 'returns UnconfirmedPurchase objects with the spec''s fields' {
        $first = Get-OneStoreUnconfirmedPurchase -PageSize 1 | Select-Object -First 1
        $first | Should -BeOfType ([OneStoreIap.UnconfirmedPurchase])
        $first.ProductId | Should -BeExactly 'gem_100'
        $first.PurchaseToken | Should -BeIn $unconfirmed
        [string]$first.Type | Should -Be 'InApp'
        $first.ClientId | Should -BeExactly $app.ClientId
        $first.MarketCode | Should -BeExactly 'MKT_ONE'
        [string]$first.PurchaseState | Should -BeExactly 'Completed'
        $first.PSObject.Properties.Name | Should -Contain 'OrderId'
        $first.PSObject.Properties.Name | Should -Contain 'Quantity'
        $first.PurchaseTime | Should -BeOfType ([DateTimeOffset])
        $first.PurchaseTime.Offset | Should -Be ([TimeSpan]::FromHours(9))
        $first.PurchaseTime.ToUnixTimeMilliseconds() | Should -Be $first.PurchaseTimeMillis
    }

    It 'sends -PageSize as maxResults, and without it asks for one default page' {
        $null = Get-OneStoreUnconfirmedPurchase -PageSize 7 | Select-Object -First 1
        (Get-EmulatorRequest -Emulator $emu -Last 1 | ConvertTo-Json -Depth 6) | Should -Match 'maxResults\W+7'

        $before = Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases'
        Get-OneStoreUnconfirmedPurchase | Should -HaveCount 23
        (Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases') - $before | Should -Be 1
    }

    It 'Select-Object -First 5 stops paging early' {
        $before = Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases'
        $five = Get-OneStoreUnconfirmedPurchase -PageSize 2 | Select-Object -First 5
        $five | Should -HaveCount 5
        # 5 objects are on pages 1-3 of 12; at most two pages beyond the one being written are fetched ahead.
        (Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases') - $before | Should -BeLessOrEqual 5
    }

    It 'streams: the first object reaches the pipeline before the second page is asked for' {
        $before = Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases'
        $pagesAtFirst = $null
        $count = 0
        Get-OneStoreUnconfirmedPurchase -PageSize 5 | ForEach-Object {
            if ($count -eq 0) { $pagesAtFirst = (Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases') - $before }
            $count++
        }
        $count | Should -Be 23
        $pagesAtFirst | Should -Be 1
    }

    It 'fetches ahead while objects are written, but never more than two pages beyond the one being written' {
        $before = Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases'
        $pagesWhileStuck = $null
        $count = 0
        # The second object (page 1 of 12) holds the pipeline: the fetcher runs ahead, then waits for room. Each page
        # takes 100 ms, so a fetcher that did not stop would keep a request in flight until all 12 pages were in:
        # the wait below ends when the emulator has nothing in flight, whichever fetcher it is.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getUnconfirmedPurchases'; latencyMs = 100 }
        try {
            Get-OneStoreUnconfirmedPurchase -PageSize 2 | ForEach-Object {
                if ($count -eq 1) {
                    Wait-TestCondition {
                        $c = Get-EmulatorCounter -Emulator $emu
                        $c.routes.getUnconfirmedPurchases - $before -ge 2 -and $c.inFlight -eq 0
                    } | Should -BeTrue
                    $pagesWhileStuck = (Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases') - $before
                }
                $count++
            }
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $count | Should -Be 23
        $pagesWhileStuck | Should -BeGreaterOrEqual 2
        $pagesWhileStuck | Should -BeLessOrEqual 3
        (Get-EmulatorCounter -Emulator $emu -Route 'getUnconfirmedPurchases') - $before | Should -Be 12
    }

    It 'refuses -PageSize <Size> before any request' -TestCases @(@{ Size = 0 }, @{ Size = 101 }) {
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        { Get-OneStoreUnconfirmedPurchase -PageSize $Size -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OneStoreIap.Commands.GetOneStoreUnconfirmedPurchaseCommand'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
    }
}

Describe 'Time windows' {
    BeforeAll {
        $script:windowApp = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:windowConn = Connect-OneStore -Credential $windowApp.Credential -BaseUri $emu.BaseUri -PassThru
        $script:nowMs = [long](Invoke-EmulatorControl -Emulator $emu -Path 'clock').nowMillis
        $script:older = New-TestPurchase -Emulator $emu -App $windowApp -ProductId 'older' -Property @{ purchaseTime = $nowMs - 2 * 86400000L }
        $script:newer = New-TestPurchase -Emulator $emu -App $windowApp -ProductId 'newer' -Property @{ purchaseTime = $nowMs - 3600000L }
    }

    It '-StartTime takes a DateTimeOffset and is sent as epoch milliseconds' {
        $start = [DateTimeOffset]::FromUnixTimeMilliseconds($nowMs - 86400000L)
        $r = Get-OneStoreUnconfirmedPurchase -StartTime $start -Connection $windowConn
        $r.PurchaseToken | Should -Be @($newer.purchaseToken)
        (Get-EmulatorRequest -Emulator $emu -Last 1 | ConvertTo-Json -Depth 6) | Should -Match "startTime\W+$($nowMs - 86400000L)"
    }

    It '-EndTime takes a DateTime' {
        $end = [DateTimeOffset]::FromUnixTimeMilliseconds($nowMs - 86400000L).UtcDateTime
        $r = Get-OneStoreUnconfirmedPurchase -EndTime $end -Connection $windowConn
        $r.PurchaseToken | Should -Be @($older.purchaseToken)
    }

    It 'both together select the purchases between them' {
        $start = [DateTimeOffset]::FromUnixTimeMilliseconds($nowMs - 3 * 86400000L)
        $end = [DateTimeOffset]::FromUnixTimeMilliseconds($nowMs - 60000L)
        $r = Get-OneStoreUnconfirmedPurchase -StartTime $start -EndTime $end -Connection $windowConn
        ($r.PurchaseToken | Sort-Object) | Should -Be (@($older.purchaseToken, $newer.purchaseToken) | Sort-Object)
    }
}

Describe 'Get-OneStoreVoidedPurchase' {
    BeforeAll {
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    }

    It 'follows continuationKey through every page' {
        $before = Get-EmulatorCounter -Emulator $emu -Route 'getVoidedPurchases'
        $all = Get-OneStoreVoidedPurchase -PageSize 5
        $all | Should -HaveCount 12
        ($all.PurchaseToken | Sort-Object) | Should -Be ($voided | Sort-Object)
        (Get-EmulatorCounter -Emulator $emu -Route 'getVoidedPurchases') - $before | Should -Be 3
    }

    It 'returns VoidedPurchase objects with times in the market''s offset' {
        $v = Get-OneStoreVoidedPurchase | Select-Object -First 1
        $v | Should -BeOfType ([OneStoreIap.VoidedPurchase])
        $v.PurchaseId | Should -Not -BeNullOrEmpty
        $v.MarketCode | Should -BeExactly 'MKT_ONE'
        $v.ClientId | Should -BeExactly $app.ClientId
        $v.VoidedTime | Should -BeOfType ([DateTimeOffset])
        $v.VoidedTime.Offset | Should -Be ([TimeSpan]::FromHours(9))
        $v.VoidedTime.ToUnixTimeMilliseconds() | Should -Be $v.VoidedTimeMillis
        $v.PurchaseTime.ToUnixTimeMilliseconds() | Should -Be $v.PurchaseTimeMillis
    }

    It 'lists a purchase refunded just now' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'refund_me'
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($p.purchaseToken)/void" -Method POST -Body @{}
        (Get-OneStoreVoidedPurchase).PurchaseToken | Should -Contain $p.purchaseToken
        (Get-OneStoreUnconfirmedPurchase).PurchaseToken | Should -Not -Contain $p.purchaseToken
    }

    It '-StartTime and -EndTime are sent as epoch milliseconds' {
        $nowMs = [long](Invoke-EmulatorControl -Emulator $emu -Path 'clock').nowMillis
        $start = [DateTimeOffset]::FromUnixTimeMilliseconds($nowMs - 7 * 86400000L)
        # The emulator's own "now" as the end: the refunds made moments ago are inside the window.
        $end = [DateTimeOffset]::FromUnixTimeMilliseconds($nowMs)
        $all = @(Get-OneStoreVoidedPurchase -StartTime $start -EndTime $end)
        $all.Count | Should -BeGreaterOrEqual 12
        $query = (Get-EmulatorRequest -Emulator $emu -Last 1).query
        $query | Should -Match "startTime=$($start.ToUnixTimeMilliseconds())"
        $query | Should -Match "endTime=$($end.ToUnixTimeMilliseconds())"
    }

    It 'Select-Object -First 1 asks for one page only' {
        $before = Get-EmulatorCounter -Emulator $emu -Route 'getVoidedPurchases'
        $one = Get-OneStoreVoidedPurchase -PageSize 3 | Select-Object -First 1
        $one | Should -HaveCount 1
        (Get-EmulatorCounter -Emulator $emu -Route 'getVoidedPurchases') - $before | Should -Be 1
    }

    It 'follows the key the parsed page names when a reply carries two (a page asked for early with the first is dropped)' {
        $total = @(Get-OneStoreVoidedPurchase).Count
        # The real key after the second page of five, read with the raw request cmdlet.
        $k1 = (Invoke-OneStoreRequest '/v7/apps/{clientId}/voided-purchases' -Query @{ maxResults = 5 }).continuationKey
        $k2 = (Invoke-OneStoreRequest '/v7/apps/{clientId}/voided-purchases' -Query @{ maxResults = 5; continuationKey = $k1 }).continuationKey
        $k2 | Should -Not -BeNullOrEmpty
        # The second page of the listing comes back with a made-up key first and the real one last.
        $body = '{"continuationKey":"made-up-key","voidedPurchaseList":[{"purchaseId":"FAKE0000000000000001","purchaseTime":1,' +
            '"voidedTime":2,"purchaseToken":"FAKE0000000000000001","marketCode":"MKT_ONE"}],"continuationKey":"' + $k2 + '"}'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; skip = 1; count = 1; status = 200; body = $body }
        try {
            $all = @(Get-OneStoreVoidedPurchase -PageSize 5 -ErrorVariable listErrors)
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }

        $listErrors | Should -BeNullOrEmpty
        # Page 1 (5), the fault's page (1), then everything after the real second page.
        $all.Count | Should -Be (5 + 1 + ($total - 10))
        $all.PurchaseToken | Should -Contain 'FAKE0000000000000001'
        @($all.PurchaseToken | Sort-Object -Unique).Count | Should -Be $all.Count
        $queries = @(Get-EmulatorRequest -Emulator $emu -Last 50 | Where-Object route -EQ 'getVoidedPurchases' | ForEach-Object query)
        ($queries -match [regex]::Escape("continuationKey=$([uri]::EscapeDataString($k2))")).Count | Should -BeGreaterThan 0
        # The made-up key was asked for early, before the page was parsed, and its reply (a 400) was dropped.
        ($queries -match 'continuationKey=made-up-key').Count | Should -Be 1
    }

    It 'a failing page is an error with the spec''s code' {
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; status = 400; code = 'InvalidRequest'; message = 'Request parameters are invalid.'; count = 1 }
        # Whether a failed page ends the command or is written as an error, -ErrorAction Stop surfaces it with its id.
        try {
            $err = Get-ThrownError { Get-OneStoreVoidedPurchase -ErrorAction Stop }
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeExactly 'InvalidRequest,OneStoreIap.Commands.GetOneStoreVoidedPurchaseCommand'
        [int]$err.Exception.HttpStatus | Should -Be 400
    }
}
