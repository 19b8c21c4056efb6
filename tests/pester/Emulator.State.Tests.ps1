# The emulator cmdlets a user's tests drive it with: reset, counters, the request log, purchase time and consumed
# state, faults' -Method/-RetryAfter/-Body, the clock's duration forms; and serialized objects without the secret.

BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:SampleSecret = 'sample-client-secret-0000'
    $script:Emulator = Start-OneStoreEmulator
    # Retries off: an injected fault shows on the first attempt.
    Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
    $script:NoRetry = Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0 -PassThru
}

AfterAll {
    Disconnect-OneStore
    Stop-OneStoreEmulator -Emulator $Emulator
}

Describe 'Reset-OneStoreEmulator' {
    It 'puts the seed back and clears faults, counters, the request log and the clock offset' {
        $null = Invoke-OneStoreConsume -ProductId gem_100 -PurchaseToken INAPP-NEW-0003
        $null = Add-OneStoreEmulatorFault -Route getVoidedPurchases -StatusCode 500
        Set-OneStoreEmulatorClock -Advance 1h
        (Get-OneStoreEmulatorPurchase -PurchaseToken INAPP-NEW-0003).ConsumptionState | Should -Be 'Consumed'

        Reset-OneStoreEmulator

        (Get-OneStoreEmulatorPurchase -PurchaseToken INAPP-NEW-0003).ConsumptionState | Should -Be 'NotConsumed'
        (Invoke-EmulatorControl -Emulator @{ BaseUri = $Emulator.BaseUri.AbsoluteUri.TrimEnd('/') } -Path 'faults').faults | Should -BeNullOrEmpty
        (Invoke-EmulatorControl -Emulator @{ BaseUri = $Emulator.BaseUri.AbsoluteUri.TrimEnd('/') } -Path 'clock').offsetMillis | Should -Be 0
        (Get-OneStoreEmulatorCounter).TotalRequests | Should -Be 0
        @(Get-OneStoreEmulatorRequest) | Should -HaveCount 0
        # Tokens issued before the reset stay valid: the connection still works.
        (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).PurchaseToken | Should -BeExactly 'INAPP-ACK-0001'
    }

    It 'zeroes only the counters with -CounterOnly' {
        $added = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $null = Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $added.PurchaseToken
        $null = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 500
        try {
            Reset-OneStoreEmulator -CounterOnly

            (Get-OneStoreEmulatorCounter).TotalRequests | Should -Be 0
            (Get-OneStoreEmulatorPurchase -PurchaseToken $added.PurchaseToken).PurchaseToken | Should -BeExactly $added.PurchaseToken
            @(Get-OneStoreEmulatorRequest -Route getPurchaseDetails).Count | Should -BeGreaterOrEqual 1
            Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $added.PurchaseToken -Connection $NoRetry -ErrorAction SilentlyContinue -ErrorVariable failed |
                Should -BeNullOrEmpty -Because 'the fault outlives a counter reset'
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'InternalError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        } finally {
            Clear-OneStoreEmulatorFault
        }
    }
}

Describe 'Get-OneStoreEmulatorCounter' {
    It 'counts API requests in all, per operation, and token requests' {
        $fresh = Connect-OneStore -Emulator $Emulator -PassThru
        Reset-OneStoreEmulator -CounterOnly
        $null = 1..3 | ForEach-Object { Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -Connection $fresh }
        $null = Connect-OneStore -Emulator $Emulator -PassThru

        $counters = Get-OneStoreEmulatorCounter

        $counters | Should -BeOfType ([OneStoreIap.EmulatorCounters])
        $counters.Routes.getPurchaseDetails | Should -Be 3
        $counters.Routes.getVoidedPurchases | Should -Be 0
        $counters.TokenRequests | Should -Be 1
        $counters.TotalRequests | Should -Be 4
        $counters.InFlight | Should -Be 0
        $counters.PeakInFlight | Should -BeGreaterOrEqual 1
    }

    It 'counts fault replies' {
        Reset-OneStoreEmulator -CounterOnly
        $null = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 503 -Count 1
        $null = Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -Connection $NoRetry -ErrorAction SilentlyContinue
        Clear-OneStoreEmulatorFault
        (Get-OneStoreEmulatorCounter).FaultReplies | Should -Be 1
    }
}

Describe 'Get-OneStoreEmulatorRequest' {
    It 'returns the last requests oldest first, the token masked' {
        $null = Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001
        $null = Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-NEW-0001 -ErrorAction SilentlyContinue

        $last = @(Get-OneStoreEmulatorRequest -Last 2)

        $last | Should -HaveCount 2
        $last[0] | Should -BeOfType ([OneStoreIap.EmulatorRequest])
        $last[0].Path | Should -BeLike '*/INAPP-ACK-0001'
        $last[1].Path | Should -BeLike '*/INAPP-NEW-0001'
        $last[0].Method | Should -BeExactly 'GET'
        $last[0].Route | Should -BeExactly 'getPurchaseDetails'
        $last[0].StatusCode | Should -Be 200
        $last[0].Authorization | Should -BeExactly 'Bearer ***'
        $last[0].MarketCode | Should -BeExactly 'MKT_ONE'
        $last[1].Time | Should -BeGreaterOrEqual $last[0].Time
    }

    It 'filters by -Route and masks the client secret of a token request' {
        $null = Connect-OneStore -Emulator $Emulator -PassThru
        $tokens = @(Get-OneStoreEmulatorRequest -Route issueToken)
        $tokens.Count | Should -BeGreaterOrEqual 1
        $tokens.Route | Sort-Object -Unique | Should -BeExactly 'issueToken'
        $tokens[-1].Body | Should -Match 'client_secret=\*\*\*'
        ($tokens | Format-List * | Out-String) | Should -Not -Match $SampleSecret
    }

    It 'refuses -Last <Last>' -TestCases @(@{ Last = 0 }, @{ Last = 1001 }) {
        { Get-OneStoreEmulatorRequest -Last $Last } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OneStoreIap.Commands.GetOneStoreEmulatorRequestCommand'
    }
}

Describe 'Add-OneStoreEmulatorPurchase -Consumed and -PurchaseTime' {
    It 'adds a consumed purchase, acknowledged too and not unconfirmed' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100 -Consumed
        $p.ConsumptionState | Should -Be 'Consumed'
        $p.AcknowledgeState | Should -Be 'Acknowledged'
        $p.Unconfirmed | Should -BeFalse
        (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $p.PurchaseToken).ConsumptionState | Should -Be 'Consumed'
    }

    It 'adds a purchase at the time given; four days old and unconfirmed, the 3-day rule cancels it' {
        $now = [DateTimeOffset]::FromUnixTimeMilliseconds((Invoke-EmulatorControl -Emulator @{ BaseUri = $Emulator.BaseUri.AbsoluteUri.TrimEnd('/') } -Path 'clock').nowMillis)
        $recent = Add-OneStoreEmulatorPurchase -ProductId gem_100 -PurchaseTime $now.AddHours(-2)
        $recent.PurchaseTime.ToUnixTimeMilliseconds() | Should -Be $now.AddHours(-2).ToUnixTimeMilliseconds()
        $recent.Voided | Should -BeFalse

        $old = Add-OneStoreEmulatorPurchase -ProductId gem_100 -PurchaseTime $now.AddDays(-4)
        $old.AutoCancelled | Should -BeTrue
        $old.Voided | Should -BeTrue
    }
}

Describe 'Add-OneStoreEmulatorFault -Method, -RetryAfter, -Body and -ContentType' {
    AfterEach { Clear-OneStoreEmulatorFault }

    It 'hits only requests of the -Method given' {
        $fault = Add-OneStoreEmulatorFault -Route getPurchaseDetails -Method POST -StatusCode 500
        $fault.Method | Should -BeExactly 'POST'
        (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).PurchaseToken | Should -BeExactly 'INAPP-ACK-0001'
        Clear-OneStoreEmulatorFault
        $null = Add-OneStoreEmulatorFault -Route getPurchaseDetails -Method GET -StatusCode 500
        Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -Connection $NoRetry -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeExactly 'InternalError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }

    It 'sends Retry-After with the status reply' {
        $fault = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 503 -RetryAfter 7 -Count 1
        $fault.RetryAfter | Should -Be 7
        Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -Connection $NoRetry -ErrorAction SilentlyContinue -ErrorVariable failed |
            Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $failed[0].Exception.RetryAfter | Should -Be ([TimeSpan]::FromSeconds(7))
    }

    It 'answers with the raw -Body and -ContentType, status 200 when none is given' {
        $fault = Add-OneStoreEmulatorFault -Route issueToken -Body '<html>busy</html>' -ContentType 'text/html' -Count 1
        $fault.Body | Should -BeExactly '<html>busy</html>'
        $reply = Invoke-WebRequest -Method Post -Uri "$($Emulator.BaseUri.AbsoluteUri.TrimEnd('/'))/v7/oauth/token" -SkipHttpErrorCheck `
            -ContentType 'application/x-www-form-urlencoded' -Body 'grant_type=client_credentials&client_id=com.onestore.sample&client_secret=x'
        $reply.StatusCode | Should -Be 200
        $reply.Content | Should -BeExactly '<html>busy</html>'
        $reply.Headers['Content-Type'] | Should -BeLike 'text/html*'
    }

    It 'takes -Body alone as what the fault does' {
        { Add-OneStoreEmulatorFault -Route getPurchaseDetails -Body '{}' -Count 1 } | Should -Not -Throw
    }
}

Describe 'Set-OneStoreEmulatorClock -Advance in the seed files'' forms' {
    It 'moves the clock by <Text>' -TestCases @(
        @{ Text = '2d'; Expected = [TimeSpan]::FromDays(2) }
        @{ Text = '3h'; Expected = [TimeSpan]::FromHours(3) }
        @{ Text = '90m'; Expected = [TimeSpan]::FromMinutes(90) }
        @{ Text = '1d12h'; Expected = [TimeSpan]::FromHours(36) }
        @{ Text = '500ms'; Expected = [TimeSpan]::FromMilliseconds(500) }
        @{ Text = '01:00:00'; Expected = [TimeSpan]::FromHours(1) }
    ) {
        $before = (Set-OneStoreEmulatorClock -Advance 0s -PassThru).Offset
        $after = (Set-OneStoreEmulatorClock -Advance $Text -PassThru).Offset
        $after - $before | Should -Be $Expected
    }

    It 'takes an unquoted 2d (a decimal literal to PowerShell) as two days' {
        $before = (Set-OneStoreEmulatorClock -Advance 0s -PassThru).Offset
        $after = (Set-OneStoreEmulatorClock -Advance 2d -PassThru).Offset
        $after - $before | Should -Be ([TimeSpan]::FromDays(2))
    }

    It 'refuses a form it does not know' {
        { Set-OneStoreEmulatorClock -Advance '2 days' } |
            Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,OneStoreIap.Commands.SetOneStoreEmulatorClockCommand'
    }
}

Describe 'Serialized objects hold no secret' {
    It 'Export-Clixml of <Case> holds no client secret, in any form' -TestCases @(
        @{ Case = 'an in-process emulator'; Make = { $Emulator } }
        @{ Case = 'a connection to it'; Make = { Connect-OneStore -Emulator $Emulator -PassThru } }
        @{ Case = 'an emulator made from an address'; Make = { [OneStoreIap.EmulatorInstance]$Emulator.BaseUri.AbsoluteUri } }
    ) {
        $object = & $Make
        $path = Join-Path $TestDrive "$([guid]::NewGuid().ToString('n')).xml"
        $object | Export-Clixml -Path $path -Depth 5
        $xml = Get-Content -Raw $path
        $utf16Hex = -join ([Text.Encoding]::Unicode.GetBytes($SampleSecret) | ForEach-Object { $_.ToString('x2') })
        $xml | Should -Not -Match $SampleSecret
        $xml | Should -Not -Match $utf16Hex
        $xml | Should -Not -Match ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($SampleSecret)))
        $xml | Should -Not -Match '<SS'
        # Still useful: the address comes back.
        (Import-Clixml -Path $path).BaseUri | Should -Not -BeNullOrEmpty
    }

    It 'keeps the credential on the live emulator object' {
        $Emulator.Credential.GetNetworkCredential().Password | Should -BeExactly $SampleSecret
    }
}

Describe 'Add-OneStoreEmulatorApp' {
    It 'adds an app of the test''s own: its lists hold only what the test made, and its credential connects' {
        $app = Add-OneStoreEmulatorApp -ClientId com.pester.ownapp -MarketCode MKT_ONE -Emulator $Emulator
        $app.ClientId | Should -BeExactly 'com.pester.ownapp'
        $app.MarketCode | Should -Be @('MKT_ONE')
        $own = Connect-OneStore -BaseUri $app.BaseUri -Credential $app.Credential -PassThru
        @(Get-OneStoreUnconfirmedPurchase -Connection $own) | Should -HaveCount 0
        $bought = Add-OneStoreEmulatorPurchase -ProductId gem_100 -ClientId $app.ClientId -Emulator $Emulator
        @(Get-OneStoreUnconfirmedPurchase -Connection $own).PurchaseToken | Should -Be @($bought.PurchaseToken)
    }

    It 'a blocked app gets AccessBlocked when it connects' {
        $blocked = Add-OneStoreEmulatorApp -ClientId com.pester.blocked -Blocked -Emulator $Emulator
        $err = Get-ThrownError { Connect-OneStore -BaseUri $blocked.BaseUri -Credential $blocked.Credential -MaximumRetryCount 0 }
        $err.FullyQualifiedErrorId | Should -Be 'AccessBlocked,OneStoreIap.Commands.ConnectOneStoreCommand'
    }

    It 'a given secret is the one that connects, and Export-Clixml leaves it out' {
        $secret = ConvertTo-SecureString 'pester-own-secret-1234' -AsPlainText -Force
        $app = Add-OneStoreEmulatorApp -ClientId com.pester.given -ClientSecret $secret -Emulator $Emulator
        { Connect-OneStore -BaseUri $app.BaseUri -ClientId com.pester.given -ClientSecret $secret } | Should -Not -Throw
        $path = Join-Path $TestDrive 'app.xml'
        $app | Export-Clixml -Path $path
        $xml = Get-Content -Raw $path
        $xml | Should -Not -Match 'pester-own-secret-1234'
        $xml | Should -Not -Match '<SS'
        $xml | Should -Match 'com\.pester\.given'
    }
}
