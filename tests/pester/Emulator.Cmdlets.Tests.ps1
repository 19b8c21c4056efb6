# The emulator hosted inside pwsh (Start-OneStoreEmulator) and the cmdlets that drive it, on the staged module; and
# the user-testing example (examples/user-tests), run the way a user runs it: Invoke-Pester in a fresh pwsh.

BeforeAll {
    if (-not $env:ONESTOREIAP_TEST_MODULE) { throw 'ONESTOREIAP_TEST_MODULE is not set: run the suite through build.ps1 Test.' }
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:SampleSecret = 'sample-client-secret-0000'
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Invoke-FreshPwsh {
        # Runs a script in a new pwsh process; returns its output lines (stdout and stderr) and exit code.
        param([string] $Script, [hashtable] $Environment = @{})
        $file = Join-Path $TestDrive "fresh-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -Path $file -Value $Script -Encoding utf8
        $saved = @{}
        foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
        try {
            $output = & $Pwsh -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ Output = @($output); ExitCode = $LASTEXITCODE }
        } finally {
            foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
        }
    }

    function Get-FreePort {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }

    function Test-Listening {
        param([uri] $BaseUri)
        try {
            $null = Invoke-RestMethod -Uri "$($BaseUri.AbsoluteUri.TrimEnd('/'))/_emulator/health" -TimeoutSec 5
            $true
        } catch { $false }
    }
}

AfterAll {
    Stop-OneStoreEmulator
}

Describe 'Start-OneStoreEmulator' {
    AfterEach { Stop-OneStoreEmulator; Disconnect-OneStore }

    It 'is not loaded when the module is imported, only when an emulator starts' {
        $result = Invoke-FreshPwsh -Script @"
Import-Module '$env:ONESTOREIAP_TEST_MODULE'
`$loaded = { [bool]([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'OneStoreIap.Emulator.Core' }) }
"import:`$(& `$loaded)"
`$e = Start-OneStoreEmulator
"start:`$(& `$loaded)"
Stop-OneStoreEmulator
"@
        $result.Output | Should -Contain 'import:False'
        $result.Output | Should -Contain 'start:True'
    }

    It 'listens on loopback and returns its address and the sample app''s credential' {
        $emulator = Start-OneStoreEmulator
        $emulator | Should -BeOfType ([OneStoreIap.EmulatorInstance])
        $emulator.BaseUri.Host | Should -BeExactly '127.0.0.1'
        $emulator.BaseUri.Scheme | Should -BeExactly 'http'
        $emulator.Port | Should -Be $emulator.BaseUri.Port
        $emulator.Port | Should -BeGreaterThan 0
        $emulator.InProcess | Should -BeTrue
        $emulator.IsRunning | Should -BeTrue
        $emulator.ClientId | Should -BeExactly 'com.onestore.sample'
        $emulator.Credential.UserName | Should -BeExactly 'com.onestore.sample'
        $emulator.Credential.GetNetworkCredential().Password | Should -BeExactly $SampleSecret
        (Invoke-RestMethod -Uri "$($emulator.BaseUri)_emulator/health").status | Should -BeExactly 'ok'
    }

    It 'keeps the secret out of its string, its default display and its full list' {
        $emulator = Start-OneStoreEmulator
        "$emulator" | Should -BeExactly $emulator.BaseUri.ToString()
        foreach ($text in @(($emulator | Out-String), ($emulator | Format-List * | Out-String), ($emulator | ConvertTo-Json -Depth 3))) {
            $text | Should -Not -Match $SampleSecret
        }
        ($emulator | Out-String) | Should -Match ([regex]::Escape($emulator.BaseUri.ToString()))
    }

    It 'connects with Connect-OneStore -Emulator, from a parameter or the pipeline' {
        $emulator = Start-OneStoreEmulator
        $connection = Connect-OneStore -Emulator $emulator -PassThru
        $connection.BaseUri | Should -Be $emulator.BaseUri
        $connection.ClientId | Should -BeExactly 'com.onestore.sample'
        $connection.Environment | Should -Be 'Custom'
        (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).AcknowledgeState | Should -Be 'Acknowledged'

        $global = $emulator | Connect-OneStore -MarketCode MKT_GLB -PassThru
        $global.MarketCode | Should -BeExactly 'MKT_GLB'
        (Get-OneStoreConnection).MarketCode | Should -BeExactly 'MKT_GLB'
        (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken GLB-INAPP-ACK-0001).MarketCode | Should -BeExactly 'MKT_GLB'
    }

    It 'listens on the port given, and says so when the port is taken' {
        $port = Get-FreePort
        $emulator = Start-OneStoreEmulator -Port $port
        $emulator.Port | Should -Be $port
        $emulator.BaseUri | Should -Be "http://127.0.0.1:$port/"

        $thrown = Get-ThrownError { Start-OneStoreEmulator -Port $port }
        $thrown.FullyQualifiedErrorId | Should -BeExactly 'EmulatorStartFailed,OneStoreIap.Commands.StartOneStoreEmulatorCommand'
        $thrown.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'starts with a seed file and connects as its first app' {
        $seed = Join-Path $TestDrive 'seed.json'
        @{
            apps      = @(@{ clientId = 'com.example.game'; clientSecret = 'game-secret'; markets = @('MKT_ONE') }, @{ clientId = 'com.example.other'; clientSecret = 'other' })
            purchases = @(@{ clientId = 'com.example.game'; productId = 'coin_100'; purchaseToken = 'SEEDED-1'; purchaseTime = '-1h' })
        } | ConvertTo-Json -Depth 5 | Set-Content -Path $seed -Encoding utf8
        Push-Location $TestDrive
        try { $emulator = Start-OneStoreEmulator -SeedPath seed.json } finally { Pop-Location }
        $emulator.ClientId | Should -BeExactly 'com.example.game'
        $emulator.SeedPath | Should -BeExactly (Resolve-Path $seed).Path
        $emulator.Credential.GetNetworkCredential().Password | Should -BeExactly 'game-secret'
        Connect-OneStore -Emulator $emulator
        @(Get-OneStoreUnconfirmedPurchase).PurchaseToken | Should -Be @('SEEDED-1')
    }

    It 'fails with <Id> for <Case>' -ForEach @(
        @{ Case = 'a seed file that does not exist'; Id = 'SeedNotFound'; Content = $null }
        @{ Case = 'a seed that is not valid'; Id = 'InvalidSeed'; Content = '{ "apps": [ { "clientId": "x" } ] }' }
        @{ Case = 'a seed that is not JSON'; Id = 'InvalidSeed'; Content = 'not json' }
    ) {
        $seed = Join-Path $TestDrive "seed-$([guid]::NewGuid().ToString('n')).json"
        if ($null -ne $Content) { Set-Content -Path $seed -Value $Content }
        $thrown = Get-ThrownError { Start-OneStoreEmulator -SeedPath $seed }
        $thrown.FullyQualifiedErrorId | Should -BeExactly "$Id,OneStoreIap.Commands.StartOneStoreEmulatorCommand"
    }

    It 'issues tokens with the lifetime given' {
        $emulator = Start-OneStoreEmulator -TokenLifetime 120
        $before = [DateTimeOffset]::UtcNow
        $connection = Connect-OneStore -Emulator $emulator -PassThru
        $remaining = $connection.TokenExpiresOn - $before
        $remaining.TotalSeconds | Should -BeLessOrEqual 121
        $remaining.TotalSeconds | Should -BeGreaterThan 100
    }

    It 'applies the sandbox rules with -Sandbox: a deferral counts minutes, not days' {
        $shifts = foreach ($sandbox in $false, $true) {
            $emulator = Start-OneStoreEmulator -Sandbox:$sandbox
            $emulator.Sandbox | Should -Be $sandbox
            Connect-OneStore -Emulator $emulator
            $before = (Get-OneStoreEmulatorPurchase SUB-ACTIVE-0001).State
            Set-OneStoreSubscription -ProductId premium_monthly -PurchaseToken SUB-ACTIVE-0001 -DeferPeriod 10
            $after = (Get-OneStoreEmulatorPurchase SUB-ACTIVE-0001).State
            $after.expiryTime - $before.expiryTime
            Stop-OneStoreEmulator -Emulator $emulator
        }
        $shifts | Should -Be @((10 * 24 * 3600 * 1000), (10 * 60 * 1000))
    }

    It 'says what it needs when the emulator cannot be loaded, and names the alternative' {
        # A module folder without its emulator/ folder: what a broken install looks like.
        $copy = Join-Path $TestDrive 'broken' 'OneStoreIap'
        $null = New-Item -ItemType Directory -Force $copy
        Copy-Item -Path (Join-Path (Split-Path $env:ONESTOREIAP_TEST_MODULE) '*') -Destination $copy -Recurse -Exclude 'emulator'
        Remove-Item -Recurse -Force (Join-Path $copy 'emulator') -ErrorAction Ignore
        $result = Invoke-FreshPwsh -Script @"
Import-Module '$(Join-Path $copy 'OneStoreIap.psd1')'
try { Start-OneStoreEmulator } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
        $result.Output[0] | Should -BeExactly 'EmulatorLoadFailed,OneStoreIap.Commands.StartOneStoreEmulatorCommand'
        $result.Output[1] | Should -Match 'OneStoreIap\.Emulator\.Core\.dll'
        $result.Output[1] | Should -Match 'standalone emulator'
    }
}

Describe 'Stop-OneStoreEmulator' {
    It 'stops every emulator of the session when none is given' {
        $one = Start-OneStoreEmulator
        $two = Start-OneStoreEmulator
        Stop-OneStoreEmulator
        $one.IsRunning | Should -BeFalse
        $two.IsRunning | Should -BeFalse
        Test-Listening $one.BaseUri | Should -BeFalse
        Test-Listening $two.BaseUri | Should -BeFalse
    }

    It 'stops nothing when an empty pipeline reaches it' {
        $emulator = Start-OneStoreEmulator
        @() | Stop-OneStoreEmulator
        $emulator.IsRunning | Should -BeTrue
        Stop-OneStoreEmulator -Emulator $emulator
    }

    It 'stops only the emulators piped to it, and a second stop does nothing' {
        $keep = Start-OneStoreEmulator
        $stop = Start-OneStoreEmulator
        $stop | Stop-OneStoreEmulator
        $stop | Stop-OneStoreEmulator
        $stop.IsRunning | Should -BeFalse
        Test-Listening $stop.BaseUri | Should -BeFalse
        $keep.IsRunning | Should -BeTrue
        Test-Listening $keep.BaseUri | Should -BeTrue
        Stop-OneStoreEmulator -Emulator $keep
    }

    It 'stops the session''s emulators when the module is removed' {
        $emulator = Start-OneStoreEmulator
        try {
            Remove-Module OneStoreIap
            $emulator.IsRunning | Should -BeFalse
            Test-Listening $emulator.BaseUri | Should -BeFalse
        } finally {
            Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
        }
    }

    It 'never outlives the pwsh process that started it' {
        $result = Invoke-FreshPwsh -Script @"
Import-Module '$env:ONESTOREIAP_TEST_MODULE'
(Start-OneStoreEmulator).BaseUri.AbsoluteUri
"@
        $result.ExitCode | Should -Be 0
        Test-Listening ([uri]$result.Output[-1]) | Should -BeFalse
    }

    It 'refuses to stop an emulator that runs in another process' {
        $elsewhere = [OneStoreIap.EmulatorInstance]'http://127.0.0.1:5080'
        Stop-OneStoreEmulator -Emulator $elsewhere -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].FullyQualifiedErrorId | Should -BeExactly 'EmulatorNotInProcess,OneStoreIap.Commands.StopOneStoreEmulatorCommand'
    }
}

Describe 'The cmdlets that drive an emulator' {
    BeforeAll {
        $script:Emulator = Start-OneStoreEmulator
        # Retries off: an injected fault shows on the first attempt.
        Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
    }
    AfterAll {
        Disconnect-OneStore
        Stop-OneStoreEmulator -Emulator $Emulator
    }
    AfterEach { Clear-OneStoreEmulatorFault }

    Context 'Add-OneStoreEmulatorPurchase' {
        It 'adds a purchase that pipes straight into Get-OneStorePurchase' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload order-1001 -Quantity 3
            $purchase | Should -BeOfType ([OneStoreIap.EmulatorPurchase])
            $purchase.PurchaseToken | Should -Not -BeNullOrEmpty
            $purchase.ClientId | Should -BeExactly 'com.onestore.sample'
            $purchase.MarketCode | Should -BeExactly 'MKT_ONE'
            $purchase.Type | Should -Be 'InApp'
            $purchase.Unconfirmed | Should -BeTrue

            $lookup = $purchase | Get-OneStorePurchase
            $lookup.PurchaseToken | Should -BeExactly $purchase.PurchaseToken
            $lookup.DeveloperPayload | Should -BeExactly 'order-1001'
            $lookup.Quantity | Should -Be 3
            $lookup.PurchaseState | Should -Be 'Completed'
            $lookup.AcknowledgeState | Should -Be 'NotAcknowledged'
            $lookup.PurchaseTime | Should -Be $purchase.PurchaseTime
            @(Get-OneStoreUnconfirmedPurchase | Where-Object PurchaseToken -EQ $purchase.PurchaseToken).Count | Should -Be 1
        }

        It 'adds a <Type> purchase that Get-OneStorePurchase finds by its type' -ForEach @(
            @{ Type = 'Auto'; ProductId = 'monthly_pass'; OutputType = 'OneStoreIap.AutoRenewalPurchase' }
            @{ Type = 'Subscription'; ProductId = 'premium_monthly'; OutputType = 'OneStoreIap.Subscription' }
        ) {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId $ProductId -Type $Type
            $purchase.Type | Should -Be $Type
            ($purchase | Get-OneStorePurchase).GetType().FullName | Should -BeExactly $OutputType
        }

        It 'uses the purchase token, market, client and acknowledgement given' {
            $token = 'UT-' + [guid]::NewGuid().ToString('n').Substring(0, 12)
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100 -PurchaseToken $token -MarketCode MKT_GLB -ClientId com.onestore.sample -Acknowledged
            $purchase.PurchaseToken | Should -BeExactly $token
            $purchase.MarketCode | Should -BeExactly 'MKT_GLB'
            $purchase.AcknowledgeState | Should -Be 'Acknowledged'
            $purchase.Unconfirmed | Should -BeFalse
            # Purchases of the global market are not visible to a Korean connection.
            $purchase | Get-OneStorePurchase -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
            $global = Connect-OneStore -Emulator $Emulator -MarketCode MKT_GLB -PassThru
            try {
                ($purchase | Get-OneStorePurchase -Connection $global).AcknowledgeState | Should -Be 'Acknowledged'
            } finally {
                Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
            }
        }

        It 'binds its parameters from CSV rows' {
            $rows = @(
                [pscustomobject]@{ ProductId = 'gem_100'; Type = 'InApp'; DeveloperPayload = 'row-1' }
                [pscustomobject]@{ ProductId = 'monthly_pass'; Type = 'Auto'; DeveloperPayload = 'row-2' }
            )
            $added = @($rows | Add-OneStoreEmulatorPurchase)
            $added.Count | Should -Be 2
            $added.DeveloperPayload | Should -Be @('row-1', 'row-2')
            $added.Type | Should -Be @('InApp', 'Auto')
        }

        It 'writes a non-terminating BadRequest error for a purchase token already in use' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $again = Add-OneStoreEmulatorPurchase -ProductId gem_100 -PurchaseToken $purchase.PurchaseToken -ErrorAction SilentlyContinue -ErrorVariable failed
            $again | Should -BeNullOrEmpty
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'BadRequest,OneStoreIap.Commands.AddOneStoreEmulatorPurchaseCommand'
            $failed[0].TargetObject | Should -BeExactly $purchase.PurchaseToken
        }
    }

    Context 'Revoke-OneStoreEmulatorPurchase' {
        It 'refunds a purchase: cancelled and listed as voided' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $purchase | Revoke-OneStoreEmulatorPurchase | Should -BeNullOrEmpty
            ($purchase | Get-OneStorePurchase).PurchaseState | Should -Be 'Cancelled'
            $voided = @(Get-OneStoreVoidedPurchase | Where-Object PurchaseToken -EQ $purchase.PurchaseToken)
            $voided.Count | Should -Be 1
            $voided[0].PurchaseId | Should -BeExactly $purchase.PurchaseId
        }

        It 'writes the new state with -PassThru and takes tokens as strings' {
            $tokens = @(Add-OneStoreEmulatorPurchase -ProductId gem_100; Add-OneStoreEmulatorPurchase -ProductId gem_100) | ForEach-Object PurchaseToken
            $states = @($tokens | Revoke-OneStoreEmulatorPurchase -PassThru)
            $states.PurchaseToken | Should -Be $tokens
            $states.Voided | Should -Be @($true, $true)
            $states.PurchaseState | Should -Be @('Cancelled', 'Cancelled')
            $states[0].VoidedTime | Should -Not -BeNullOrEmpty
        }

        It 'writes <Id> for <Case>, tied to the token, and goes on' -ForEach @(
            @{ Case = 'a purchase refunded already'; Id = 'Conflict'; Token = 'INAPP-VOIDED-0001' }
            @{ Case = 'an unknown purchase token'; Id = 'NoSuchData'; Token = 'NO-SUCH-TOKEN' }
        ) {
            $good = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $states = @($Token, $good.PurchaseToken | Revoke-OneStoreEmulatorPurchase -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed)
            $states.PurchaseToken | Should -Be @($good.PurchaseToken)
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeExactly "$Id,OneStoreIap.Commands.RevokeOneStoreEmulatorPurchaseCommand"
            $failed[0].TargetObject | Should -BeExactly $Token
        }
    }

    Context 'Get-OneStoreEmulatorPurchase' {
        It 'shows how many times a purchase was acknowledged and consumed' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $purchase | Invoke-OneStoreConsume
            $state = $purchase | Get-OneStoreEmulatorPurchase
            $state.ConsumeCount | Should -Be 1
            $state.AcknowledgeCount | Should -Be 0
            $state.ConsumptionState | Should -Be 'Consumed'
            $state.State.consumeCount | Should -Be 1
            $state.Unconfirmed | Should -BeFalse
        }

        It 'writes a non-terminating NoSuchData error for an unknown token' {
            Get-OneStoreEmulatorPurchase -PurchaseToken NO-SUCH-TOKEN -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStoreEmulatorPurchaseCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Set-OneStoreEmulatorClock' {
        It 'moves the virtual clock: an unconfirmed purchase is cancelled after 3 days' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $clock = Set-OneStoreEmulatorClock -Advance (New-TimeSpan -Days 3 -Minutes 1) -PassThru
            $clock.Offset | Should -BeGreaterOrEqual (New-TimeSpan -Days 3 -Minutes 1)
            $clock.Now | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddDays(3))
            $state = $purchase | Get-OneStoreEmulatorPurchase
            $state.AutoCancelled | Should -BeTrue
            $state.Voided | Should -BeTrue
            @(Get-OneStoreVoidedPurchase | Where-Object PurchaseToken -EQ $purchase.PurchaseToken).Count | Should -Be 1
        }

        It 'writes nothing without -PassThru and refuses to move back' {
            Set-OneStoreEmulatorClock -Advance '00:00:01' | Should -BeNullOrEmpty
            $thrown = Get-ThrownError { Set-OneStoreEmulatorClock -Advance (New-TimeSpan -Hours -1) }
            $thrown.FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,OneStoreIap.Commands.SetOneStoreEmulatorClockCommand'
        }
    }

    Context 'Add-OneStoreEmulatorFault and Clear-OneStoreEmulatorFault' {
        It 'answers the next request of a route with the status and code given' {
            $fault = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 503 -Code ServiceMaintenance -Count 1
            $fault.Id | Should -BeGreaterThan 0
            $fault.Route | Should -BeExactly 'getPurchaseDetails'
            $fault.StatusCode | Should -Be 503
            Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand'
            # Count 1: the next request goes through.
            (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).PurchaseToken | Should -BeExactly 'INAPP-ACK-0001'
        }

        It 'lets the first requests through with -Skip' {
            $fault = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 503 -Skip 1 -Count 1
            $fault.Skip | Should -Be 1
            (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).PurchaseToken | Should -BeExactly 'INAPP-ACK-0001'
            Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'ServiceMaintenance,OneStoreIap.Commands.GetOneStorePurchaseCommand'
            (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).PurchaseToken | Should -BeExactly 'INAPP-ACK-0001'
        }

        It 'removes every fault with Clear-OneStoreEmulatorFault' {
            $null = Add-OneStoreEmulatorFault -StatusCode 500
            Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'InternalError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
            Clear-OneStoreEmulatorFault
            (Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001).PurchaseToken | Should -BeExactly 'INAPP-ACK-0001'
        }

        It 'loses the reply of an applied acknowledge with -Drop After; the module reports it as already applied' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $connection = Connect-OneStore -Emulator $Emulator -RetryBaseDelaySec 0 -PassThru
            try {
                $null = Add-OneStoreEmulatorFault -Route acknowledgePurchase -Drop After -Count 1
                $result = $purchase | Invoke-OneStoreAcknowledge -Connection $connection
            } finally {
                Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
            }
            $result.AlreadyApplied | Should -BeTrue
            ($purchase | Get-OneStoreEmulatorPurchase).AcknowledgeCount | Should -Be 1
        }

        It 'drops the connection before applying with -Drop Before' {
            $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100
            $null = Add-OneStoreEmulatorFault -Route acknowledgePurchase -Drop Before -Count 1
            $purchase | Invoke-OneStoreAcknowledge -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed.Count | Should -Be 1
            ($purchase | Get-OneStoreEmulatorPurchase).AcknowledgeCount | Should -Be 0
        }

        It 'delays replies with -LatencyMs' {
            $null = Add-OneStoreEmulatorFault -Route getPurchaseDetails -LatencyMs 300 -Count 1
            $elapsed = Measure-Command { Get-OneStorePurchase -ProductId gem_100 -PurchaseToken INAPP-ACK-0001 }
            $elapsed.TotalMilliseconds | Should -BeGreaterOrEqual 290
        }

        It 'refuses a fault that does nothing' {
            $thrown = Get-ThrownError { Add-OneStoreEmulatorFault -Route getPurchaseDetails -Count 1 }
            $thrown.FullyQualifiedErrorId | Should -BeExactly 'FaultWithoutEffect,OneStoreIap.Commands.AddOneStoreEmulatorFaultCommand'
        }

        It 'tab-completes the route names' {
            $line = 'Add-OneStoreEmulatorFault -Route acknow'
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $completions | Should -Contain 'acknowledgePurchase'
        }
    }

    Context 'which emulator they drive' {
        It 'drives the most recently started emulator when -Emulator is omitted' {
            $other = Start-OneStoreEmulator
            try {
                # Each emulator numbers its generated tokens from 1: name this one so that it is unique.
                $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100 -PurchaseToken ('LATEST-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
                Get-OneStoreEmulatorPurchase -PurchaseToken $purchase.PurchaseToken -Emulator $other | Should -Not -BeNullOrEmpty
                Get-OneStoreEmulatorPurchase -PurchaseToken $purchase.PurchaseToken -Emulator $Emulator -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            } finally {
                Stop-OneStoreEmulator -Emulator $other
            }
            # Once it is stopped, the earlier one is the default again.
            (Add-OneStoreEmulatorPurchase -ProductId gem_100 | Get-OneStoreEmulatorPurchase -Emulator $Emulator).ProductId | Should -BeExactly 'gem_100'
        }

        It 'fails with <Id> when <Case>' -ForEach @(
            @{ Case = 'no emulator runs in the session'; Id = 'NoEmulator' }
            @{ Case = 'the emulator given was stopped'; Id = 'EmulatorStopped' }
        ) {
            $result = Invoke-FreshPwsh -Script @"
Import-Module '$env:ONESTOREIAP_TEST_MODULE'
`$stopped = Start-OneStoreEmulator
Stop-OneStoreEmulator
`$arguments = @{ ProductId = 'gem_100' }
if ('$Id' -eq 'EmulatorStopped') { `$arguments.Emulator = `$stopped }
try { Add-OneStoreEmulatorPurchase @arguments } catch { `$_.FullyQualifiedErrorId }
"@
            $result.Output[-1] | Should -BeExactly "$Id,OneStoreIap.Commands.AddOneStoreEmulatorPurchaseCommand"
        }

        It 'drives and connects to a standalone emulator by its address' {
            $standalone = Start-TestEmulator
            try {
                $address = $standalone.BaseUri
                $purchase = Add-OneStoreEmulatorPurchase -ProductId gem_100 -Emulator $address
                $connection = Connect-OneStore -Emulator $address -PassThru
                ($purchase | Get-OneStorePurchase -Connection $connection).PurchaseToken | Should -BeExactly $purchase.PurchaseToken
                (Get-EmulatorPurchase -Emulator $standalone -PurchaseToken $purchase.PurchaseToken).productId | Should -BeExactly 'gem_100'
            } finally {
                $standalone | Stop-TestEmulator
                Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
            }
        }

        It 'writes EmulatorUnreachable when nothing listens at the address' {
            $address = "http://127.0.0.1:$(Get-FreePort)/"
            Add-OneStoreEmulatorPurchase -ProductId gem_100 -Emulator $address -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed[0].FullyQualifiedErrorId | Should -BeExactly 'EmulatorUnreachable,OneStoreIap.Commands.AddOneStoreEmulatorPurchaseCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        }
    }
}

Describe 'The user-testing example (examples/user-tests)' {
    It 'passes when a user runs it with Invoke-Pester, with the module installed on PSModulePath' {
        $examples = Join-Path $PSScriptRoot '..' '..' 'examples' 'user-tests'
        $pester = (Get-Module Pester).Path
        # The staged module's parent folder holds OneStoreIap/<version>/: a module path, as an installed module has.
        $modules = Split-Path (Split-Path (Split-Path $env:ONESTOREIAP_TEST_MODULE))
        $resultFile = Join-Path $TestDrive 'user-tests.json'
        $result = Invoke-FreshPwsh -Environment @{ PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath } -Script @"
Import-Module '$pester'
`$run = Invoke-Pester -Path '$examples' -PassThru -Output Detailed
@{ Passed = `$run.PassedCount; Failed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount } | ConvertTo-Json | Set-Content '$resultFile'
(Get-Module OneStoreIap -ListAvailable | Select-Object -First 1).ModuleBase
"@
        $counts = Get-Content -Raw $resultFile | ConvertFrom-Json
        $counts.Failed | Should -Be 0 -Because ($result.Output -join [Environment]::NewLine)
        $counts.Passed | Should -BeGreaterThan 0
        $result.Output[-1] | Should -BeExactly (Split-Path $env:ONESTOREIAP_TEST_MODULE)
    }
}
