# What a new user meets first: a mixed lookup that keeps every column, errors that say what to do next, unattended
# connections from the environment, and operation results fit for an audit log.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu
    $script:conn = Connect-OneStore -Credential $app.Credential -BaseUri $emu.BaseUri -PassThru
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'A lookup of in-app, auto-renewal and subscription purchases together' {
    BeforeAll {
        $script:inApp = New-TestPurchase -Emulator $emu -App $app -ProductId 'mix_gem' -Property @{ developerPayload = 'p-1'; quantity = 2 }
        $script:auto = New-TestPurchase -Emulator $emu -App $app -ProductId 'mix_pass' -Type auto
        $script:sub = New-TestPurchase -Emulator $emu -App $app -ProductId 'mix_plan' -Type subscription
        $script:tokens = Join-Path $TestDrive 'tokens.csv'
        @(
            [pscustomobject]@{ ProductId = 'mix_gem'; PurchaseToken = $inApp.purchaseToken; Type = 'InApp' }
            [pscustomobject]@{ ProductId = 'mix_pass'; PurchaseToken = $auto.purchaseToken; Type = 'auto' }
            [pscustomobject]@{ ProductId = 'mix_plan'; PurchaseToken = $sub.purchaseToken; Type = 'Subscription' }
        ) | Export-Csv -Path $tokens -Encoding utf8
    }

    It 'exports every field of every row through Import-Csv | Get-OneStorePurchase | Export-Csv' {
        $out = Join-Path $TestDrive 'states.csv'
        Import-Csv $tokens | Get-OneStorePurchase -Connection $conn | Export-Csv -Path $out -Encoding utf8
        $rows = @(Import-Csv $out)
        $rows | Should -HaveCount 3
        $columns = @($rows[0].PSObject.Properties.Name)
        foreach ($field in 'Type', 'PurchaseId', 'ConsumptionState', 'Quantity', 'ExpiryTime', 'IsEntitled', 'AutoRenewing', 'PaymentState', 'NextPaymentTime', 'PriceAmount') {
            $columns | Should -Contain $field
        }
        $rows[0].Type | Should -BeExactly 'InApp'
        $rows[0].Quantity | Should -Be 2
        $rows[0].DeveloperPayload | Should -BeExactly 'p-1'
        $rows[1].Type | Should -BeExactly 'Auto'
        $rows[1].IsEntitled | Should -BeExactly 'True'
        $rows[1].ExpiryTime | Should -Not -BeNullOrEmpty
        $rows[1].AutoRenewing | Should -BeExactly 'True'
        $rows[2].Type | Should -BeExactly 'Subscription'
        $rows[2].PaymentState | Should -BeExactly 'Completed'
        $rows[2].ExpiryTime | Should -Not -BeNullOrEmpty
        $rows[2].PriceAmount | Should -Not -BeNullOrEmpty
    }

    It 'prints as one table, not a table and then lists' {
        $text = Import-Csv $tokens | Get-OneStorePurchase -Connection $conn | Out-String -Width 120
        $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
        @($lines | Where-Object { $_ -match '^Type\s+ProductId\s+PurchaseToken' }) | Should -HaveCount 1
        $lines | Should -HaveCount 5  # header, rule, three rows
        $text | Should -Not -Match '(?m)^\w+\s+:\s'
    }

    It 'keeps the output types apart by route (In-app, auto-renewal, subscription), on one base type' {
        $r = @(Import-Csv $tokens | Get-OneStorePurchase -Connection $conn)
        $r[0] | Should -BeOfType ([OneStoreIap.InAppPurchase])
        $r[1] | Should -BeOfType ([OneStoreIap.AutoRenewalPurchase])
        $r[2] | Should -BeOfType ([OneStoreIap.Subscription])
        $r | ForEach-Object { $_ | Should -BeOfType ([OneStoreIap.PurchaseDetails]) }
    }
}

Describe 'Errors that say what to do next' {
    It 'NoSuchData on a lookup names the type asked for and the usual causes' {
        $auto = New-TestPurchase -Emulator $emu -App $app -ProductId 'nsd_pass' -Type auto
        $null = Get-OneStorePurchase -ProductId 'nsd_pass' -PurchaseToken $auto.purchaseToken -Connection $conn -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $message = $errs[0].Exception.Message
        $message | Should -Match 'in-app'
        $message | Should -Match '-Type Auto or -Type Subscription'
        $message | Should -Match 'MKT_ONE'
        $message | Should -Match 'MKT_GLB'
        $message | Should -Match 'sandbox'
    }

    It 'a Type cell that is not a product type is an InvalidArgument error for that row, and nothing is sent for it' {
        $gem = New-TestPurchase -Emulator $emu -App $app -ProductId 'cell_gem'
        $pass = New-TestPurchase -Emulator $emu -App $app -ProductId 'cell_pass' -Type auto
        $csv = Join-Path $TestDrive 'bad-type.csv'
        @(
            [pscustomobject]@{ ProductId = 'cell_pass'; PurchaseToken = $pass.purchaseToken; Type = 'auto-renewal' }
            [pscustomobject]@{ ProductId = 'cell_gem'; PurchaseToken = $gem.purchaseToken; Type = 'inapp' }
            [pscustomobject]@{ ProductId = 'cell_gem'; PurchaseToken = $gem.purchaseToken; Type = '' }
        ) | Export-Csv -Path $csv -Encoding utf8
        Reset-EmulatorCounter -Emulator $emu
        $out = @(Import-Csv $csv | Get-OneStorePurchase -Connection $conn -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $errs[0].Exception.Message | Should -Match "'auto-renewal'.*InApp, Auto, Subscription"
        $errs[0].TargetObject.PurchaseToken | Should -BeExactly $pass.purchaseToken
        $out | Should -HaveCount 2
        Get-EmulatorCounter -Emulator $emu -Route 'getPurchaseDetails' | Should -Be 2
        Get-EmulatorCounter -Emulator $emu -Route 'getRecurringPurchaseDetails' | Should -Be 0
    }

    # A value of the enum outside the cmdlet's ValidateSet fails binding loudly (PowerShell's own error for the item);
    # the silent case is a value that does not convert at all, as above.
    It 'a Type cell that this cmdlet does not take is refused too (<Name>)' -ForEach @(
        @{ Name = 'Get-OneStoreSubscription'; Id = 'ParameterArgumentValidationError,OneStoreIap.Commands.GetOneStoreSubscriptionCommand' }
        @{ Name = 'Stop-OneStoreSubscription'; Id = 'ParameterArgumentValidationError,OneStoreIap.Commands.StopOneStoreSubscriptionCommand' }
    ) {
        $sub = New-TestPurchase -Emulator $emu -App $app -ProductId 'cell_plan' -Type subscription
        Reset-EmulatorCounter -Emulator $emu
        $confirm = if ((Get-Command $Name).Parameters.ContainsKey('Confirm')) { @{ Confirm = $false } } else { @{} }
        $null = [pscustomobject]@{ ProductId = 'cell_plan'; PurchaseToken = $sub.purchaseToken; Type = 'InApp' } |
            & $Name -Connection $conn @confirm -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeExactly $Id
        $errs[0].Exception.Message | Should -Match 'Subscription,Auto'
        (Get-EmulatorCounter -Emulator $emu).totalRequests | Should -Be 0
    }

    It 'UnauthorizedAccess at connect says to check the client id, the secret, the environment and the market' {
        $bad = [pscredential]::new($app.ClientId, (ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force))
        $err = Get-ThrownError { Connect-OneStore -Credential $bad -BaseUri $emu.BaseUri }
        $err.FullyQualifiedErrorId | Should -BeExactly 'UnauthorizedAccess,OneStoreIap.Commands.ConnectOneStoreCommand'
        foreach ($hint in 'client id', 'client secret', 'Sandbox', 'MKT_GLB') { $err.Exception.Message | Should -Match $hint }
        $err.Exception.Message | Should -Not -Match 'not-the-secret'
    }

    It 'a plain string for -ClientSecret shows how to make a SecureString, and does not echo it' {
        $err = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret 'plain-text-secret' -BaseUri $emu.BaseUri }
        $err.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentTransformationError,OneStoreIap.Commands.ConnectOneStoreCommand'
        $err.Exception.Message | Should -Match 'ConvertTo-SecureString'
        $err.Exception.Message | Should -Match 'Get-Credential'
        $err.Exception.Message | Should -Not -Match 'plain-text-secret'
    }

    It 'a -BaseUri with the API''s /v7 path is refused with the address to use, before any request' {
        Reset-EmulatorCounter -Emulator $emu
        $err = Get-ThrownError { Connect-OneStore -Credential $app.Credential -BaseUri "$($emu.BaseUri)/v7" }
        $err.FullyQualifiedErrorId | Should -BeExactly 'InvalidBaseUri,OneStoreIap.Commands.ConnectOneStoreCommand'
        $err.Exception.Message | Should -Match ([regex]::Escape("Use -BaseUri $($emu.BaseUri)"))
        (Get-EmulatorCounter -Emulator $emu).tokenRequests | Should -Be 0
    }

    It 'a connection failure names the host, the port and the attempts made' {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $err = Get-ThrownError { Connect-OneStore -Credential $app.Credential -BaseUri "http://127.0.0.1:$port" -MaximumRetryCount 2 -RetryBaseDelaySec 0 }
        $err.FullyQualifiedErrorId | Should -BeExactly 'NetworkError,OneStoreIap.Commands.ConnectOneStoreCommand'
        $err.Exception.Message | Should -Match "127\.0\.0\.1, port $port"
        $err.Exception.Message | Should -Match 'after 3 attempts'
    }
}

Describe 'Connect-OneStore from the environment' {
    BeforeEach {
        $script:saved = @{}
        foreach ($variable in 'ONESTORE_CLIENT_ID', 'ONESTORE_CLIENT_SECRET', 'ONESTORE_MARKET_CODE', 'ONESTORE_ENVIRONMENT') {
            $saved[$variable] = [Environment]::GetEnvironmentVariable($variable)
            [Environment]::SetEnvironmentVariable($variable, $null)
        }
    }
    AfterEach {
        foreach ($variable in $saved.Keys) { [Environment]::SetEnvironmentVariable($variable, $saved[$variable]) }
        Disconnect-OneStore -ErrorAction SilentlyContinue
    }

    It 'takes ONESTORE_CLIENT_ID, ONESTORE_CLIENT_SECRET and ONESTORE_MARKET_CODE, and never writes the secret' {
        $env:ONESTORE_CLIENT_ID = $app.ClientId
        $env:ONESTORE_CLIENT_SECRET = $app.ClientSecret
        $env:ONESTORE_MARKET_CODE = 'MKT_GLB'
        $transcript = Join-Path $TestDrive 'env-connect.txt'
        Start-Transcript -Path $transcript | Out-Null
        try {
            $c = Connect-OneStore -BaseUri $emu.BaseUri -PassThru -Verbose 4>&1 | Where-Object { $_ -is [OneStoreIap.OneStoreConnection] }
            $c | Format-List * | Out-Host
        } finally { Stop-Transcript | Out-Null }
        $c.ClientId | Should -BeExactly $app.ClientId
        $c.MarketCode | Should -BeExactly 'MKT_GLB'
        (Get-OneStoreConnection).ClientId | Should -BeExactly $app.ClientId
        Get-Content -Raw $transcript | Should -Not -Match ([regex]::Escape($app.ClientSecret))
        # a parameter given wins over the environment
        (Connect-OneStore -BaseUri $emu.BaseUri -MarketCode MKT_ONE -PassThru).MarketCode | Should -BeExactly 'MKT_ONE'
    }

    It 'says which variables are missing, without a prompt' {
        $env:ONESTORE_CLIENT_ID = $app.ClientId
        $err = Get-ThrownError { Connect-OneStore -BaseUri $emu.BaseUri }
        $err.FullyQualifiedErrorId | Should -BeExactly 'NoCredential,OneStoreIap.Commands.ConnectOneStoreCommand'
        $err.Exception.Message | Should -Match 'ONESTORE_CLIENT_SECRET is not set'
    }

    It 'refuses an ONESTORE_<Name> it cannot read, naming the accepted values' -ForEach @(
        @{ Name = 'MARKET_CODE'; Value = 'KR'; Id = 'InvalidMarketCode'; Accepted = 'MKT_ONE or MKT_GLB' }
        @{ Name = 'ENVIRONMENT'; Value = 'Production'; Id = 'InvalidEnvironment'; Accepted = 'Commercial or Sandbox' }
    ) {
        $env:ONESTORE_CLIENT_ID = $app.ClientId
        $env:ONESTORE_CLIENT_SECRET = $app.ClientSecret
        [Environment]::SetEnvironmentVariable("ONESTORE_$Name", $Value)
        $err = Get-ThrownError { Connect-OneStore }
        $err.FullyQualifiedErrorId | Should -BeExactly "$Id,OneStoreIap.Commands.ConnectOneStoreCommand"
        $err.Exception.Message | Should -Match $Accepted
    }
}

Describe 'Operation results for an audit log' {
    It 'an acknowledge from a list row carries its type, purchase id and the time of the operation' {
        $appA = New-TestApp -Emulator $emu
        $connA = Connect-OneStore -Credential $appA.Credential -BaseUri $emu.BaseUri -PassThru
        $p = New-TestPurchase -Emulator $emu -App $appA -ProductId 'audit_pass' -Type auto
        $before = [DateTimeOffset]::UtcNow.AddSeconds(-5)
        $r = Get-OneStoreUnconfirmedPurchase -Connection $connA | Invoke-OneStoreAcknowledge -Connection $connA
        $r.PurchaseToken | Should -BeExactly $p.purchaseToken
        $r.ProductId | Should -BeExactly 'audit_pass'
        $r.Type | Should -Be 'Auto'
        $r.PurchaseId | Should -BeExactly $p.purchaseId
        $r.Code | Should -BeExactly 'Success'
        $r.AlreadyApplied | Should -BeFalse
        $r.OperationTime | Should -BeGreaterThan $before
        $r.OperationTime.Offset | Should -Be ([TimeSpan]::FromHours(9))
    }

    It 'a consume result has no always-empty DeferPeriod column; a defer result has it' {
        $gem = New-TestPurchase -Emulator $emu -App $app -ProductId 'audit_gem'
        $consumed = Invoke-OneStoreConsume -ProductId 'audit_gem' -PurchaseToken $gem.purchaseToken -Connection $conn
        $consumed.PSObject.Properties.Name | Should -Not -Contain 'DeferPeriod'
        $consumed.Type | Should -Be 'InApp'
        $consumed.OperationTime | Should -Not -BeNullOrEmpty
        $sub = New-TestPurchase -Emulator $emu -App $app -ProductId 'audit_plan' -Type subscription -Property @{ acknowledged = $true }
        $deferred = Set-OneStoreSubscription -ProductId 'audit_plan' -PurchaseToken $sub.purchaseToken -DeferPeriod 2 -PassThru -Connection $conn
        $deferred | Should -BeOfType ([OneStoreIap.OperationResult])
        $deferred.DeferPeriod | Should -Be 2
    }
}
