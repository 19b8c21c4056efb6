# Connect-OneStore, Get-OneStoreConnection, Disconnect-OneStore: the per-session connection and its token.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Connect-OneStore' {
    It 'connects with -ClientId and a SecureString -ClientSecret and returns the connection with -PassThru' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru

        $conn | Should -BeOfType ([OneStoreIap.OneStoreConnection])
        $conn.ClientId | Should -BeExactly $app.ClientId
        $conn.MarketCode | Should -BeExactly 'MKT_ONE'
        $conn.BaseUri.ToString().TrimEnd('/') | Should -BeExactly $emu.BaseUri
        $conn.TokenExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
    }

    It 'connects with -Credential (user name = client id)' {
        $conn = Connect-OneStore -Credential $app.Credential -BaseUri $emu.BaseUri -PassThru
        $conn.ClientId | Should -BeExactly $app.ClientId
    }

    It 'issues the token at once, with the form-encoded client credentials request of the spec' {
        Reset-EmulatorCounter -Emulator $emu
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        (Get-EmulatorCounter -Emulator $emu).tokenRequests | Should -Be 1
    }

    It 'takes -MarketCode MKT_GLB and sends it as x-market-code' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -MarketCode MKT_GLB -BaseUri $emu.BaseUri -PassThru
        $conn.MarketCode | Should -BeExactly 'MKT_GLB'
        $purchase = New-TestPurchase -Emulator $emu -App $app -MarketCode MKT_GLB
        $result = Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -Connection $conn
        $result.MarketCode | Should -BeExactly 'MKT_GLB'
    }

    It 'refuses a market code outside the spec''s list before any request' {
        Reset-EmulatorCounter -Emulator $emu
        { Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -MarketCode MKT_XYZ -BaseUri $emu.BaseUri } |
            Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,OneStoreIap.Commands.ConnectOneStoreCommand'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be 0
    }

    It 'fails at connect with UnauthorizedAccess when the secret is wrong' {
        $wrong = ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force
        $err = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret $wrong -BaseUri $emu.BaseUri -ErrorAction Stop }

        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeExactly 'UnauthorizedAccess,OneStoreIap.Commands.ConnectOneStoreCommand'
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
        $err.Exception.Code | Should -BeExactly 'UnauthorizedAccess'
        [int]$err.Exception.HttpStatus | Should -Be 403
    }

    It 'checks the secret on every connect, even when a token for the same app is cached' {
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
        $wrong = ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force
        $err = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret $wrong -BaseUri $emu.BaseUri -ErrorAction Stop }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeExactly 'UnauthorizedAccess,OneStoreIap.Commands.ConnectOneStoreCommand'
    }

    It 'does not replace the working default connection when a connect fails' {
        $good = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $wrong = ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force
        $null = Get-ThrownError { Connect-OneStore -ClientId 'com.someone.else' -ClientSecret $wrong -BaseUri $emu.BaseUri -ErrorAction Stop }
        (Get-OneStoreConnection).ClientId | Should -BeExactly $good.ClientId
    }

    It 'offers Commercial and Sandbox environments as a parameter set apart from -BaseUri' {
        $command = Get-Command Connect-OneStore
        $environment = $command.Parameters['Environment']
        $environment | Should -Not -BeNullOrEmpty
        $validateSet = @($environment.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
        $values = if ($validateSet) { $validateSet[0].ValidValues } else { [enum]::GetNames($environment.ParameterType) }
        $values | Should -Contain 'Commercial'
        $values | Should -Contain 'Sandbox'
        # -Environment and -BaseUri never appear together in one parameter set.
        foreach ($set in $command.ParameterSets) {
            $names = $set.Parameters.Name
            (($names -contains 'Environment') -and ($names -contains 'BaseUri')) | Should -BeFalse -Because "parameter set $($set.Name)"
        }
    }
}

Describe 'Get-OneStoreConnection' {
    BeforeAll {
        $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
    }

    It 'returns the default connection with client id, market, environment, host and token expiry' {
        $shown = Get-OneStoreConnection
        $shown | Should -BeOfType ([OneStoreIap.OneStoreConnection])
        $shown.ClientId | Should -BeExactly $app.ClientId
        $shown.MarketCode | Should -BeExactly 'MKT_ONE'
        $shown.BaseUri.ToString().TrimEnd('/') | Should -BeExactly $emu.BaseUri
        $shown.PSObject.Properties.Name | Should -Contain 'Environment'
        $shown.TokenExpiresOn | Should -BeOfType ([DateTimeOffset])
    }

    It 'never shows the client secret or any access token, however it is rendered' {
        $shown = Get-OneStoreConnection
        $tokens = @((Invoke-EmulatorControl -Emulator $emu -Path 'tokens').tokens.accessToken) | Where-Object { $_ }
        $tokens | Should -Not -BeNullOrEmpty -Because 'the emulator lists the tokens it issued'

        $renderings = @(
            ($shown | Format-List * | Out-String)
            ($shown | Format-Table * | Out-String)
            ($shown | ConvertTo-Json -Depth 5)
            $($shown | Export-Clixml -Path (Join-Path $TestDrive 'conn.xml') -Depth 5; Get-Content -Raw (Join-Path $TestDrive 'conn.xml'))
            $shown.ToString()
        ) -join "`n"
        $renderings | Should -Not -BeLike "*$($app.ClientSecret)*"
        foreach ($token in $tokens) {
            $renderings | Should -Not -BeLike "*$token*"
        }
        @($shown.PSObject.Properties.Name) -match 'Secret|AccessToken|^Token$' | Should -BeNullOrEmpty
    }
}

Describe 'Disconnect-OneStore' {
    It 'forgets the default connection, so the next call fails with the terminating NotConnected error' {
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
        Disconnect-OneStore
        Get-OneStoreConnection -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $err = Get-ThrownError { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken 'TOKEN0000000001' -ErrorAction SilentlyContinue }
        $err | Should -Not -BeNullOrEmpty -Because 'a missing connection is terminating even with -ErrorAction SilentlyContinue'
        $err.FullyQualifiedErrorId | Should -BeExactly 'NotConnected,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }

    It 'closes only the default connection: another one held in a variable stays usable' {
        $held = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $default = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        Disconnect-OneStore
        $purchase = New-TestPurchase -Emulator $emu -App $app
        (Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -Connection $held).PurchaseToken |
            Should -BeExactly $purchase.purchaseToken
        # The disconnected one says so instead of calling the API.
        $err = Get-ThrownError { Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -Connection $default -ErrorAction Stop }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -Match 'Connect-OneStore'
    }
}

Describe 'Disconnect-OneStore -Connection' {
    It 'closes the connection piped in and leaves the default one alone' {
        $piped = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $default = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $piped | Disconnect-OneStore
        $purchase = New-TestPurchase -Emulator $emu -App $app
        (Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken).PurchaseToken |
            Should -BeExactly $purchase.purchaseToken
        Get-ThrownError { Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -Connection $piped -ErrorAction Stop } |
            Should -Not -BeNullOrEmpty
    }
}

Describe 'Two connections in one session' {
    BeforeAll {
        $script:other = New-TestApp -Emulator $emu -Markets MKT_ONE
        $script:connA = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $script:connB = Connect-OneStore -Credential $other.Credential -BaseUri $emu.BaseUri -PassThru
        $script:connGlb = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -MarketCode MKT_GLB -BaseUri $emu.BaseUri -PassThru
        $script:buyA = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_a'
        $script:buyB = New-TestPurchase -Emulator $emu -App $other -ProductId 'gem_b'
        $script:buyGlb = New-TestPurchase -Emulator $emu -App $app -ProductId 'gem_g' -MarketCode MKT_GLB
    }

    It 'the last connect is the default' {
        (Get-OneStoreConnection).MarketCode | Should -BeExactly 'MKT_GLB'
        (Get-OneStoreConnection).ClientId | Should -BeExactly $app.ClientId
    }

    It 'each -Connection reaches its own app' {
        (Get-OneStorePurchase -ProductId 'gem_a' -PurchaseToken $buyA.purchaseToken -Connection $connA).ClientId | Should -BeExactly $app.ClientId
        (Get-OneStorePurchase -ProductId 'gem_b' -PurchaseToken $buyB.purchaseToken -Connection $connB).ClientId | Should -BeExactly $other.ClientId
    }

    It 'a purchase of one app is not found through the other app''s connection' {
        $null = Get-OneStorePurchase -ProductId 'gem_b' -PurchaseToken $buyB.purchaseToken -Connection $connA -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }

    It 'each market sees only its own purchases, with times in its own offset' {
        $glb = Get-OneStorePurchase -ProductId 'gem_g' -PurchaseToken $buyGlb.purchaseToken -Connection $connGlb
        $glb.MarketCode | Should -BeExactly 'MKT_GLB'
        $glb.PurchaseTime.Offset | Should -Be ([TimeSpan]::Zero)

        $null = Get-OneStorePurchase -ProductId 'gem_g' -PurchaseToken $buyGlb.purchaseToken -Connection $connA -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }

    It 'sends each connection''s market header' {
        $null = Get-OneStorePurchase -ProductId 'gem_g' -PurchaseToken $buyGlb.purchaseToken -Connection $connGlb
        $null = Get-OneStorePurchase -ProductId 'gem_a' -PurchaseToken $buyA.purchaseToken -Connection $connA
        $seen = Get-EmulatorRequest -Emulator $emu -Last 2
        $seen[0].headers.xMarketCode | Should -BeExactly 'MKT_GLB'
        $seen[1].headers.xMarketCode | Should -BeIn @($null, 'MKT_ONE') -Because 'absent means MKT_ONE'
    }
}

Describe 'Per-runspace default connection' {
    It 'a connection made in this runspace is not used by another runspace' {
        $null = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri
        $purchase = New-TestPurchase -Emulator $emu -App $app
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $ProductId, $PurchaseToken)
                    Import-Module $ModulePath
                    try {
                        $null = Get-OneStorePurchase -ProductId $ProductId -PurchaseToken $PurchaseToken -ErrorAction Stop
                        'no error'
                    } catch {
                        $_.FullyQualifiedErrorId
                    }
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($purchase.productId).AddArgument($purchase.purchaseToken)
            $result = $ps.Invoke()
            $result | Should -HaveCount 1
            $result[0] | Should -BeExactly 'NotConnected,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        } finally {
            $ps.Dispose()
        }
        # ...and this runspace still has its own.
        (Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken).PurchaseToken |
            Should -BeExactly $purchase.purchaseToken
    }

    It 'a connection object handed to another runspace works there through -Connection' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $purchase = New-TestPurchase -Emulator $emu -App $app
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $Connection, $ProductId, $PurchaseToken)
                    Import-Module $ModulePath
                    (Get-OneStorePurchase -ProductId $ProductId -PurchaseToken $PurchaseToken -Connection $Connection).PurchaseToken
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($conn).AddArgument($purchase.productId).AddArgument($purchase.purchaseToken)
            $result = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $result | Should -Be @($purchase.purchaseToken)
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'Token reuse' {
    It 'many calls on one connection make no further token request' {
        $conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $purchases = 1..12 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId "reuse_$_" }
        $before = (Get-EmulatorCounter -Emulator $emu).tokenRequests
        $found = $purchases | ForEach-Object { [pscustomobject]@{ ProductId = $_.productId; PurchaseToken = $_.purchaseToken } } |
            Get-OneStorePurchase -Connection $conn
        $found | Should -HaveCount 12
        (Get-EmulatorCounter -Emulator $emu).tokenRequests - $before | Should -Be 0
    }
}

Describe 'Token renewal across expiry' {
    BeforeAll {
        # A separate emulator whose tokens live two minutes; its virtual clock is moved past that.
        $script:shortEmu = Start-TestEmulator -TokenLifetime 120
        $script:shortApp = New-TestApp -Emulator $shortEmu
    }
    AfterAll {
        $script:shortEmu | Stop-TestEmulator
    }

    It 'renews the token once and retries when the server says it expired' {
        $conn = Connect-OneStore -ClientId $shortApp.ClientId -ClientSecret $shortApp.SecureSecret -BaseUri $shortEmu.BaseUri -PassThru
        $purchase = New-TestPurchase -Emulator $shortEmu -App $shortApp
        $null = Invoke-EmulatorControl -Emulator $shortEmu -Path 'clock/advance' -Method POST -Body @{ minutes = 5 }
        $before = (Get-EmulatorCounter -Emulator $shortEmu).tokenRequests

        $found = Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -Connection $conn -ErrorVariable err

        $err | Should -BeNullOrEmpty
        $found.PurchaseToken | Should -BeExactly $purchase.purchaseToken
        (Get-EmulatorCounter -Emulator $shortEmu).tokenRequests - $before | Should -Be 1
    }

    It 'renews before expiry by itself, without first meeting AccessTokenExpired' {
        $quick = Start-TestEmulator -TokenLifetime 2
        try {
            $quickApp = New-TestApp -Emulator $quick
            $conn = Connect-OneStore -ClientId $quickApp.ClientId -ClientSecret $quickApp.SecureSecret -BaseUri $quick.BaseUri -PassThru
            $purchase = New-TestPurchase -Emulator $quick -App $quickApp
            # The first token expired on the emulator's clock (so using it would meet AccessTokenExpired)...
            $null = Invoke-EmulatorControl -Emulator $quick -Path 'clock/advance' -Method POST -Body @{ seconds = 5 }
            # ...and is stale on the module's own (real) clock too, which no test can move: wait for that instant.
            $due = $conn.TokenExpiresOn
            Wait-TestCondition { [DateTimeOffset]::UtcNow -ge $due } | Should -BeTrue

            $found = Get-OneStorePurchase -ProductId $purchase.productId -PurchaseToken $purchase.purchaseToken -Connection $conn -ErrorVariable err

            $err | Should -BeNullOrEmpty
            $found.PurchaseToken | Should -BeExactly $purchase.purchaseToken
            (Get-EmulatorCounter -Emulator $quick).tokenRequests | Should -Be 2
            @(Get-EmulatorRequest -Emulator $quick -Last 10 | Where-Object code -EQ 'AccessTokenExpired') | Should -HaveCount 0
        } finally {
            $quick | Stop-TestEmulator
        }
    }

    It 'keeps working across several expiries in one pipeline' {
        $conn = Connect-OneStore -ClientId $shortApp.ClientId -ClientSecret $shortApp.SecureSecret -BaseUri $shortEmu.BaseUri -PassThru
        $purchases = 1..3 | ForEach-Object { New-TestPurchase -Emulator $shortEmu -App $shortApp -ProductId "renew_$_" }
        $results = foreach ($p in $purchases) {
            $null = Invoke-EmulatorControl -Emulator $shortEmu -Path 'clock/advance' -Method POST -Body @{ minutes = 3 }
            Get-OneStorePurchase -ProductId $p.productId -PurchaseToken $p.purchaseToken -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable +err
        }
        $err | Should -BeNullOrEmpty
        $results.PurchaseToken | Should -Be $purchases.purchaseToken
    }
}
