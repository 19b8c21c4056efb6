# The changing cmdlets: acknowledge, consume, cancel, reactivate and defer; -WhatIf, -PassThru and their errors.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu
    $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
    $script:dayMs = 86400000L
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Invoke-OneStoreAcknowledge' {
    It 'acknowledges a purchase and emits an OperationResult for the audit log' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100'
        $r = Invoke-OneStoreAcknowledge -ProductId 'gem_100' -PurchaseToken $p.purchaseToken

        $r | Should -BeOfType ([OneStoreIap.OperationResult])
        $r.Operation | Should -Match 'Acknowledge'
        $r.ProductId | Should -BeExactly 'gem_100'
        $r.PurchaseToken | Should -BeExactly $p.purchaseToken
        $r.ClientId | Should -BeExactly $app.ClientId
        $r.MarketCode | Should -BeExactly 'MKT_ONE'
        $r.Code | Should -BeExactly 'Success'
        $r.Message | Should -Not -BeNullOrEmpty
        $r.AlreadyApplied | Should -BeFalse
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 1
        [string](Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken $p.purchaseToken).AcknowledgeState | Should -BeExactly 'Acknowledged'
    }

    It 'sends -DeveloperPayload and the emulator accepts the matching one' {
        $p = New-TestPurchase -Emulator $emu -App $app -Property @{ developerPayload = 'order-7' }
        $r = Invoke-OneStoreAcknowledge -ProductId $p.productId -PurchaseToken $p.purchaseToken -DeveloperPayload 'order-7'
        $r.Code | Should -BeExactly 'Success'
        $seen = Get-EmulatorRequest -Emulator $emu -Last 1
        $seen.route | Should -BeExactly 'acknowledgePurchase'
        ($seen.body | ConvertFrom-Json).developerPayload | Should -BeExactly 'order-7'
    }

    It 'a differing payload is DeveloperPayloadNotMatch and leaves the purchase unacknowledged' {
        $p = New-TestPurchase -Emulator $emu -App $app -Property @{ developerPayload = 'order-8' }
        $r = Invoke-OneStoreAcknowledge -ProductId $p.productId -PurchaseToken $p.purchaseToken -DeveloperPayload 'order-9' -ErrorAction SilentlyContinue -ErrorVariable err
        $r | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'DeveloperPayloadNotMatch,OneStoreIap.Commands.InvokeOneStoreAcknowledgeCommand'
        $err[0] | Get-ErrorTargetToken | Should -BeExactly $p.purchaseToken
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 0
    }

    It 'refuses a payload over 200 characters before any request' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        $null = Invoke-OneStoreAcknowledge -ProductId $p.productId -PurchaseToken $p.purchaseToken -DeveloperPayload ('x' * 201) -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidDeveloperPayload,OneStoreIap.Commands.InvokeOneStoreAcknowledgeCommand'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
    }

    It 'a cancelled purchase is InvalidPurchaseState (InvalidOperation)' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($p.purchaseToken)/void" -Method POST -Body @{}
        $null = Invoke-OneStoreAcknowledge -ProductId $p.productId -PurchaseToken $p.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidPurchaseState,OneStoreIap.Commands.InvokeOneStoreAcknowledgeCommand'
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidOperation)
        [int]$err[0].Exception.HttpStatus | Should -Be 409
    }

    It 'acknowledges an auto-renewal purchase too (the spec''s ''all'' route)' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        (Invoke-OneStoreAcknowledge -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken).Code | Should -BeExactly 'Success'
        [string](Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto).AcknowledgeState | Should -BeExactly 'Acknowledged'
    }

    It '-WhatIf sends no request and changes nothing' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        $r = Invoke-OneStoreAcknowledge -ProductId $p.productId -PurchaseToken $p.purchaseToken -WhatIf
        $r | Should -BeNullOrEmpty
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 0
    }
}

Describe 'Invoke-OneStoreConsume' {
    It 'consumes a purchase once; a second consume is InvalidConsumeState (InvalidOperation)' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100'
        $r = Invoke-OneStoreConsume -ProductId 'gem_100' -PurchaseToken $p.purchaseToken
        $r | Should -BeOfType ([OneStoreIap.OperationResult])
        $r.Operation | Should -Match 'Consume'
        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeFalse

        $again = Invoke-OneStoreConsume -ProductId 'gem_100' -PurchaseToken $p.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        $again | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidConsumeState,OneStoreIap.Commands.InvokeOneStoreConsumeCommand'
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidOperation)
        $err[0] | Get-ErrorTargetToken | Should -BeExactly $p.purchaseToken
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 1
    }

    It 'a consumed purchase reads as consumed and acknowledged' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $null = Invoke-OneStoreConsume -ProductId $p.productId -PurchaseToken $p.purchaseToken
        $found = Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken
        [string]$found.ConsumptionState | Should -BeExactly 'Consumed'
        [string]$found.AcknowledgeState | Should -BeExactly 'Acknowledged'
    }

    It 'takes the objects of Get-OneStorePurchase from the pipeline' {
        $ps = 1..3 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId "coin_$_" }
        $results = $ps | ForEach-Object { Get-OneStorePurchase -ProductId $_.productId -PurchaseToken $_.purchaseToken } | Invoke-OneStoreConsume
        $results.PurchaseToken | Should -Be $ps.purchaseToken
        $ps | ForEach-Object { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $_.purchaseToken).consumeCount | Should -Be 1 }
    }

    It 'a consume whose reply was lost is retried and reported as already applied, consumed once' {
        $p = New-TestPurchase -Emulator $emu -App $app
        # The emulator consumes, then drops the connection before replying.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; drop = 'after'; count = 1 }
        try {
            $r = Invoke-OneStoreConsume -ProductId $p.productId -PurchaseToken $p.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        } finally {
            Clear-EmulatorFault -Emulator $emu
        }
        $err | Should -BeNullOrEmpty
        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeTrue
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 1
    }

    It '-WhatIf sends no request and consumes nothing' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        Invoke-OneStoreConsume -ProductId $p.productId -PurchaseToken $p.purchaseToken -WhatIf | Should -BeNullOrEmpty
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 0
    }

    It 'refuses a bad id before any request, and goes on with the next item' {
        $p = New-TestPurchase -Emulator $emu -App $app
        $before = Get-EmulatorCounter -Emulator $emu -Route 'consumePurchase'
        $items = @(
            [pscustomobject]@{ ProductId = 'bad/id'; PurchaseToken = 'TOKEN000000000000009' }
            [pscustomobject]@{ ProductId = $p.productId; PurchaseToken = $p.purchaseToken }
        )
        $out = $items | Invoke-OneStoreConsume -ErrorAction SilentlyContinue -ErrorVariable err
        $out.PurchaseToken | Should -Be @($p.purchaseToken)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidProductId,OneStoreIap.Commands.InvokeOneStoreConsumeCommand'
        (Get-EmulatorCounter -Emulator $emu -Route 'consumePurchase') - $before | Should -Be 1
    }
}

Describe 'Stop-OneStoreSubscription and Resume-OneStoreSubscription' {
    It 'Stop-OneStoreSubscription has high confirm impact' {
        $type = (Get-Command Stop-OneStoreSubscription).ImplementingType
        $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
        $attribute.SupportsShouldProcess | Should -BeTrue
        $attribute.ConfirmImpact | Should -Be ([System.Management.Automation.ConfirmImpact]::High)
    }

    It 'cancels and reactivates a subscription (the default -Type)' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $cancelBefore = Get-EmulatorCounter -Emulator $emu -Route 'cancelSubscription'

        $quiet = Stop-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -Confirm:$false
        $quiet | Should -BeNullOrEmpty -Because 'without -PassThru nothing is emitted'
        (Get-EmulatorCounter -Emulator $emu -Route 'cancelSubscription') - $cancelBefore | Should -Be 1
        $stopped = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken
        $stopped.AutoRenewing | Should -BeFalse
        $stopped.CancelledTimeMillis | Should -BeGreaterThan 0

        $r = Resume-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -PassThru
        $r | Should -BeOfType ([OneStoreIap.OperationResult])
        $r.Code | Should -BeExactly 'Success'
        (Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken).AutoRenewing | Should -BeTrue
    }

    It 'cancels and reactivates an auto-renewal with -Type Auto' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'monthly_pass' -Type auto
        $r = Stop-OneStoreSubscription -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto -Confirm:$false -PassThru
        $r.Code | Should -BeExactly 'Success'
        $r.PurchaseToken | Should -BeExactly $p.purchaseToken
        (Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto).AutoRenewing | Should -BeFalse
        (Get-EmulatorRequest -Emulator $emu -Last 2).route | Should -Contain 'cancelRecurringPurchase'

        $null = Resume-OneStoreSubscription -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto
        (Get-OneStorePurchase -ProductId 'monthly_pass' -PurchaseToken $p.purchaseToken -Type Auto).AutoRenewing | Should -BeTrue
    }

    It 'a subscription token on the auto-renewal cancel route is NoSuchData' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $null = Stop-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -Type Auto -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.StopOneStoreSubscriptionCommand'
        (Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken).AutoRenewing | Should -BeTrue
    }

    It 'cannot reactivate a paused subscription that was cancelled at once (InvalidPurchaseState)' {
        $now = [long](Invoke-EmulatorControl -Emulator $emu -Path 'clock').nowMillis
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription -Property @{
            acknowledged = $true; pauseStartTime = $now - $dayMs; pauseEndTime = $now + 5 * $dayMs
        }
        Stop-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -Confirm:$false -PassThru |
            ForEach-Object Code | Should -BeExactly 'Success'

        $null = Resume-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidPurchaseState,OneStoreIap.Commands.ResumeOneStoreSubscriptionCommand'
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidOperation)
        (Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken).AutoRenewing | Should -BeFalse
    }

    It '-WhatIf on Stop and Resume sends no request' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        Stop-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -WhatIf | Should -BeNullOrEmpty
        Resume-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -WhatIf | Should -BeNullOrEmpty
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).changeCount | Should -Be 0
    }

    It 'binds the Type of a Subscription object piped in' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $r = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken |
            Stop-OneStoreSubscription -Confirm:$false -PassThru
        $r.Code | Should -BeExactly 'Success'
        (Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken).AutoRenewing | Should -BeFalse
    }
}

Describe 'Set-OneStoreSubscription -DeferPeriod' {
    It 'defers the next payment by the given days' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $before = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken

        $quiet = Set-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -DeferPeriod 3
        $quiet | Should -BeNullOrEmpty

        $after = Get-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken
        $after.NextPaymentTimeMillis - $before.NextPaymentTimeMillis | Should -Be (3 * $dayMs)
        $defer = Get-EmulatorRequest -Emulator $emu -Last 5 | Where-Object route -EQ 'deferSubscription' | Select-Object -Last 1
        ($defer.body | ConvertFrom-Json).deferPeriod | Should -Be 3
    }

    It 'emits an OperationResult with -PassThru' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $r = Set-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -DeferPeriod 1 -PassThru
        $r | Should -BeOfType ([OneStoreIap.OperationResult])
        $r.Code | Should -BeExactly 'Success'
        $r.PurchaseToken | Should -BeExactly $p.purchaseToken
    }

    It 'refuses a period outside 1..365 and changes nothing' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $err = Get-ThrownError { Set-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -DeferPeriod 0 -ErrorAction Stop }
        $err | Should -Not -BeNullOrEmpty
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).changeCount | Should -Be 0
    }

    It '-WhatIf sends no request' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        Set-OneStoreSubscription -ProductId 'premium_sub' -PurchaseToken $p.purchaseToken -DeferPeriod 2 -WhatIf | Should -BeNullOrEmpty
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
    }
}

Describe 'Invoke-OneStoreRequest' {
    It 'fills in {clientId}, applies the token and market, and returns the JSON reply as objects' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100' -Property @{ quantity = 3 }
        $r = Invoke-OneStoreRequest -Method GET -Path "/v7/apps/{clientId}/purchases/inapp/products/gem_100/$($p.purchaseToken)"
        $r.quantity | Should -Be 3
        $r.purchaseState | Should -Be 0
    }

    It 'sends -Body as JSON' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100' -Property @{ developerPayload = 'raw-1' }
        $r = Invoke-OneStoreRequest -Method POST -Path "/v7/apps/{clientId}/purchases/all/products/gem_100/$($p.purchaseToken)/acknowledge" -Body @{ developerPayload = 'raw-1' }
        $r.result.code | Should -BeExactly 'Success'
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 1
    }

    It 'sends -Query as the query string' {
        1..3 | ForEach-Object { $null = New-TestPurchase -Emulator $emu -App $app -ProductId "q_$_" }
        $r = Invoke-OneStoreRequest -Method GET -Path '/v7/apps/{clientId}/unconfirmed-purchases' -Query @{ maxResults = 2 }
        $list = $r.PSObject.Properties.Where({ $_.Name.Trim() -eq 'unconfirmedPurchaseList' }).Value
        @($list) | Should -HaveCount 2
        $r.continuationKey | Should -Not -BeNullOrEmpty
    }

    It '-WhatIf on a changing request sends nothing' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_100'
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        Invoke-OneStoreRequest -Method POST -Path "/v7/apps/{clientId}/purchases/inapp/products/gem_100/$($p.purchaseToken)/consume" -Body @{} -WhatIf |
            Should -BeNullOrEmpty
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be $before
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 0
    }

    It 'reports an API error with the spec''s code' {
        $null = Invoke-OneStoreRequest -Method GET -Path '/v7/apps/{clientId}/purchases/inapp/products/gem_100/NOSUCHTOKEN000000009' -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.InvokeOneStoreRequestCommand'
        [int]$err[0].Exception.HttpStatus | Should -Be 404
    }
}
