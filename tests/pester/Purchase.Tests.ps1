# Get-OneStorePurchase and Get-OneStoreSubscription: reply shapes, types, times, errors and input checks.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu
    $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
    $script:glb = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -MarketCode MKT_GLB -PassThru
    # The default connection for the calls below that pass no -Connection.
    $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    $script:now = [long](Invoke-EmulatorControl -Emulator $emu -Path 'clock').nowMillis
    $script:bought = $now - 3600000
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Get-OneStorePurchase -Type InApp (getPurchaseDetails)' {
    BeforeAll {
        $script:p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100' -Property @{
            developerPayload = 'order-42'; quantity = 2; purchaseTime = $bought
        }
        $script:found = Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken $p.purchaseToken
    }

    It 'is the default type and returns an InAppPurchase' {
        $found | Should -HaveCount 1
        $found | Should -BeOfType ([OneStoreIap.InAppPurchase])
        (Get-EmulatorRequest -Emulator $emu -Last 1).route | Should -BeExactly 'getPurchaseDetails'
    }

    It 'carries the ids it was asked for and those of the connection' {
        $found.ProductId | Should -BeExactly 'gem_100'
        $found.PurchaseToken | Should -BeExactly $p.purchaseToken
        $found.ClientId | Should -BeExactly $app.ClientId
        $found.MarketCode | Should -BeExactly 'MKT_ONE'
        [string]$found.Type | Should -Be 'InApp'
    }

    It 'maps the spec''s fields to PascalCase properties' {
        $found.DeveloperPayload | Should -BeExactly 'order-42'
        $found.Quantity | Should -Be 2
        $found.PurchaseId | Should -BeExactly $p.purchaseId
        $found.PurchaseTimeMillis | Should -Be $bought
    }

    It 'turns the status integers into enums named after their meaning' {
        $found.PurchaseState.GetType().IsEnum | Should -BeTrue
        [string]$found.PurchaseState | Should -BeExactly 'Completed'
        [string]$found.ConsumptionState | Should -BeExactly 'NotConsumed'
        [string]$found.AcknowledgeState | Should -BeExactly 'NotAcknowledged'
    }

    It 'gives PurchaseTime as a DateTimeOffset at +09:00 for MKT_ONE' {
        $found.PurchaseTime | Should -BeOfType ([DateTimeOffset])
        $found.PurchaseTime.Offset | Should -Be ([TimeSpan]::FromHours(9))
        $found.PurchaseTime.ToUnixTimeMilliseconds() | Should -Be $bought
    }

    It 'gives PurchaseTime at +00:00 for MKT_GLB' {
        $g = New-TestPurchase -Emulator $emu -App $app -MarketCode MKT_GLB -Property @{ purchaseTime = $bought }
        $r = Get-OneStorePurchase -ProductId $g.productId -PurchaseToken $g.purchaseToken -Connection $glb
        $r.PurchaseTime.Offset | Should -Be ([TimeSpan]::Zero)
        $r.PurchaseTime.ToUnixTimeMilliseconds() | Should -Be $bought
    }

    It 'reports consumed, acknowledged and cancelled states' {
        $consumed = New-TestPurchase -Emulator $emu -App $app -Property @{ consumed = $true }
        $acked = New-TestPurchase -Emulator $emu -App $app -Property @{ acknowledged = $true }
        $voided = New-TestPurchase -Emulator $emu -App $app
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($voided.purchaseToken)/void" -Method POST -Body @{}

        [string](Get-OneStorePurchase -ProductId $consumed.productId -PurchaseToken $consumed.purchaseToken).ConsumptionState | Should -BeExactly 'Consumed'
        [string](Get-OneStorePurchase -ProductId $acked.productId -PurchaseToken $acked.purchaseToken).AcknowledgeState | Should -BeExactly 'Acknowledged'
        [string](Get-OneStorePurchase -ProductId $voided.productId -PurchaseToken $voided.purchaseToken).PurchaseState | Should -BeExactly 'Cancelled'
    }

    It 'works with Korean product ids, which reach the emulator intact' {
        $korean = New-TestPurchase -Emulator $emu -App $app -ProductId '다이아100_20170818000000'
        $r = Get-OneStorePurchase -ProductId '다이아100_20170818000000' -PurchaseToken $korean.purchaseToken -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $r.ProductId | Should -BeExactly '다이아100_20170818000000'
        $seen = Get-EmulatorRequest -Emulator $emu -Last 1
        $seen.route | Should -BeExactly 'getPurchaseDetails'
        $seen.segments[-2] | Should -BeExactly '다이아100_20170818000000'
    }
}

Describe 'Get-OneStorePurchase -Type Auto (getRecurringPurchaseDetails)' {
    BeforeAll {
        $script:auto = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
    }

    It 'returns an AutoRenewalPurchase with the spec''s fields' {
        $r = Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $auto.purchaseToken -Type Auto
        $r | Should -BeOfType ([OneStoreIap.AutoRenewalPurchase])
        [string]$r.Type | Should -Be 'Auto'
        $r.ProductId | Should -BeExactly 'monthly_pass'
        $r.PurchaseToken | Should -BeExactly $auto.purchaseToken
        $r.PSObject.Properties.Name | Should -Contain 'StartTimeMillis'
        $r.PSObject.Properties.Name | Should -Contain 'ExpiryTimeMillis'
        $r.PSObject.Properties.Name | Should -Contain 'AutoRenewing'
        $r.PSObject.Properties.Name | Should -Contain 'LastPurchaseId'
        [string]$r.LastPurchaseState | Should -BeExactly 'Completed'
        $r.ExpiryTime | Should -BeOfType ([DateTimeOffset])
        $r.ExpiryTime.Offset | Should -Be ([TimeSpan]::FromHours(9))
    }

    It 'says IsEntitled for a running, paid auto-renewal and not for a refunded one' {
        (Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $auto.purchaseToken -Type Auto).IsEntitled | Should -BeTrue
        $refunded = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($refunded.purchaseToken)/void" -Method POST -Body @{}
        (Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $refunded.purchaseToken -Type Auto).IsEntitled | Should -BeFalse
    }

    It 'says not IsEntitled once the term has ended' {
        $ended = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto -Property @{
            purchaseTime = $now - 40 * 86400000L; startTime = $now - 40 * 86400000L; expiryTime = $now - 10 * 86400000L; acknowledged = $true
        }
        $r = Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $ended.purchaseToken -Type Auto
        [string]$r.LastPurchaseState | Should -BeExactly 'Completed'
        $r.IsEntitled | Should -BeFalse
    }

    It 'binds -Type from the spec code ''auto''' {
        $r = [pscustomobject]@{ ProductId = 'monthly_pass'; PurchaseToken = $auto.purchaseToken; Type = 'auto' } | Get-OneStorePurchase
        $r | Should -BeOfType ([OneStoreIap.AutoRenewalPurchase])
    }

    It 'an auto-renewal token on the in-app route is NoSuchData, as the spec says' {
        $null = Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $auto.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }
}

Describe 'Subscriptions (getSubscriptionDetail)' {
    BeforeAll {
        $script:sub = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
    }

    It 'Get-OneStorePurchase -Type Subscription returns a Subscription' {
        $r = Get-OneStorePurchase -ProductId 'premium_sub' -PurchaseToken $sub.purchaseToken -Type Subscription
        $r | Should -BeOfType ([OneStoreIap.Subscription])
        [string]$r.Type | Should -Be 'Subscription'
        $r.PurchaseToken | Should -BeExactly $sub.purchaseToken
        $r.PaymentState.GetType().IsEnum | Should -BeTrue
        [string]$r.PaymentState | Should -BeIn @('Completed', 'FreePeriod')
        $r.AutoRenewing | Should -BeTrue
        $r.ExpiryTime | Should -BeOfType ([DateTimeOffset])
        $r.ExpiryTime.ToUnixTimeMilliseconds() | Should -Be $r.ExpiryTimeMillis
    }

    It 'Get-OneStoreSubscription defaults to -Type Subscription and gives the same object' {
        $a = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $sub.purchaseToken
        $b = Get-OneStorePurchase -ProductId 'premium_sub' -PurchaseToken $sub.purchaseToken -Type Subscription
        $a | Should -BeOfType ([OneStoreIap.Subscription])
        $a.ExpiryTimeMillis | Should -Be $b.ExpiryTimeMillis
        $a.LastPurchaseId | Should -BeExactly $b.LastPurchaseId
    }

    It 'Get-OneStoreSubscription -Type Auto reads an auto-renewal purchase' {
        $auto = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        Get-OneStoreSubscription -ProductId 'monthly_pass' -PurchaseToken $auto.purchaseToken -Type Auto |
            Should -BeOfType ([OneStoreIap.AutoRenewalPurchase])
    }

    It 'reads a null paymentState (the spec''s ''expired'') as Expired' {
        $old = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription -Property @{
            purchaseTime = $now - 40 * 86400000L; startTime = $now - 40 * 86400000L; expiryTime = $now - 10 * 86400000L; acknowledged = $true
        }
        $r = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $old.purchaseToken -ErrorVariable err
        $err | Should -BeNullOrEmpty
        [string]$r.PaymentState | Should -BeExactly 'Expired'
    }

    It 'Get-OneStoreSubscription refuses -Type InApp' {
        { Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $sub.purchaseToken -Type InApp -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OneStoreIap.Commands.GetOneStoreSubscriptionCommand'
    }
}

Describe 'Errors of a lookup' {
    It 'a missing purchase is NoSuchData: ObjectNotFound, target = the item, HTTP status and ONE store code on the exception' {
        $null = Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken 'NOSUCHTOKEN000000001' -ErrorAction SilentlyContinue -ErrorVariable err

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $err[0] | Get-ErrorTargetToken | Should -BeExactly 'NOSUCHTOKEN000000001'
        [int]$err[0].Exception.HttpStatus | Should -Be 404
        $err[0].Exception.Code | Should -BeExactly 'NoSuchData'
        $err[0].Exception.ServerMessage | Should -Not -BeNullOrEmpty
    }

    It 'is non-terminating: -ErrorAction Stop makes it throw, SilentlyContinue lets the script go on' {
        $thrown = Get-ThrownError { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken 'NOSUCHTOKEN000000002' -ErrorAction Stop }
        $thrown.FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'

        $after = Get-ThrownError { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken 'NOSUCHTOKEN000000003' -ErrorAction SilentlyContinue }
        $after | Should -BeNullOrEmpty
    }

    It 'one bad item does not stop the rest of the pipeline' {
        $good1 = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100'
        $good2 = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100'
        $items = @(
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = $good1.purchaseToken }
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'NOSUCHTOKEN000000004' }
            [pscustomobject]@{ ProductId = 'gem/100'; PurchaseToken = 'SLASHTOKEN0000000001' }
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = $good2.purchaseToken }
        )
        $out = $items | Get-OneStorePurchase -ErrorAction SilentlyContinue -ErrorVariable err

        $out.PurchaseToken | Should -Be @($good1.purchaseToken, $good2.purchaseToken)
        $err | Should -HaveCount 2
        $byToken = @{}
        foreach ($e in $err) { $byToken[($e | Get-ErrorTargetToken)] = $e.FullyQualifiedErrorId }
        $byToken['NOSUCHTOKEN000000004'] | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $byToken['SLASHTOKEN0000000001'] | Should -BeExactly 'InvalidProductId,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }

    It 'maps 503 ServiceMaintenance to ResourceUnavailable' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 503; code = 'ServiceMaintenance'; message = 'System maintenance is in progress.' }
        try {
            $null = Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceUnavailable)
        [int]$err[0].Exception.HttpStatus | Should -Be 503
    }

    It 'a reply that is not the spec''s JSON is a clear error quoting a short excerpt, and the session goes on' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $html = '<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>' + ('x' * 5000) + '</body></html>'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 404; body = $html; contentType = 'text/html'; count = 1 }
        $null = Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        Clear-EmulatorFault -Emulator $emu

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $err[0].Exception.Message | Should -Match 'Not Found'
        $err[0].Exception.Message.Length | Should -BeLessThan 2000 -Because 'only a short excerpt of the body is quoted'
        $err[0] | Get-ErrorTargetToken | Should -BeExactly $p.purchaseToken
        (Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken).PurchaseToken | Should -BeExactly $p.purchaseToken
    }

    It 'maps AccessBlocked to PermissionDenied' {
        $blocked = New-TestApp -Emulator $emu -Blocked
        $err = Get-ThrownError { Connect-OneStore -Credential $blocked.Credential -BaseUri $emu.BaseUri -ErrorAction Stop }
        if (-not $err) {
            # The store may let a blocked app have a token and refuse its calls instead.
            $purchase = New-TestPurchase -Emulator $emu -App $blocked
            $null = Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable lookupErr
            $err = $lookupErr[0]
        }
        $err.Exception.Code | Should -BeExactly 'AccessBlocked'
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
    }
}

Describe 'Input checks happen before any request' {
    BeforeEach {
        $script:before = (Get-EmulatorCounter -Emulator $emu).totalRequests
    }

    It 'refuses <Case> with <Id>' -TestCases @(
        @{ Case = 'a slash in the product id'; ProductId = 'gem/100'; Token = 'TOKEN000000000000001'; Id = 'InvalidProductId' }
        @{ Case = 'a product id one past 150 characters'; ProductId = ('p' * 151); Token = 'TOKEN000000000000001'; Id = 'InvalidProductId' }
        @{ Case = 'a slash in the token'; ProductId = 'gem_100'; Token = 'TOKEN/0000000000001'; Id = 'InvalidPurchaseToken' }
        @{ Case = 'a token one past 20 characters'; ProductId = 'gem_100'; Token = ('T' * 21); Id = 'InvalidPurchaseToken' }
    ) {
        $null = Get-OneStorePurchase -ProductId $ProductId -PurchaseToken $Token -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "$Id,OneStoreIap.Commands.GetOneStorePurchaseCommand"
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
    }

    It 'accepts a product id of exactly 150 characters and a token of exactly 20 (the request is sent)' {
        $null = Get-OneStorePurchase -ProductId ('p' * 150) -PurchaseToken ('T' * 20) -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be ($before + 1)
    }

    It 'refuses an empty product id or token' {
        { Get-OneStorePurchase -ProductId '' -PurchaseToken 'TOKEN000000000000001' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationErrorEmptyStringNotAllowed,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken '' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationErrorEmptyStringNotAllowed,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
    }

    It 'refuses an unknown -Type' {
        { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken 'TOKEN000000000000001' -Type Lifetime -ErrorAction Stop } |
            Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
    }
}
