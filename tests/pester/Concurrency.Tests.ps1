# Windowed concurrency in the per-item cmdlets: order, errors per item, -ThrottleLimit, cancellation, early paging stop.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru

    function New-Items {
        param([int] $Count, [string] $Prefix = 'gem')
        $tokens = @((Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
                    clientId = $app.ClientId; productId = "${Prefix}_bulk"; type = 'inapp'; marketCode = 'MKT_ONE'; count = $Count
                }).purchaseTokens)
        foreach ($t in $tokens) { [pscustomobject]@{ ProductId = "${Prefix}_bulk"; PurchaseToken = $t } }
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Output order under concurrency' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'emits results in input order although replies come back out of order' {
        $items = New-Items -Count 24
        # Replies take 0..150 ms each, at random, so later requests often finish first.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 1; latencyJitterMs = 150; seed = 7 }

        $out = $items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 8

        # The emulator logs each request as its reply goes out: prove the replies really came back out of order.
        $replied = @(Get-EmulatorRequest -Emulator $emu -Last 24 | ForEach-Object { $_.segments[-1] })
        ($replied -join ',') | Should -Not -Be ($items.PurchaseToken -join ',') -Because 'the jitter reorders the replies'
        $out | Should -HaveCount 24
        $out.PurchaseToken | Should -Be $items.PurchaseToken
    }

    It 'keeps input order for acknowledge results too' {
        $items = New-Items -Count 16 -Prefix 'ack'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'acknowledgePurchase'; latencyMs = 1; latencyJitterMs = 150; seed = 11 }

        $out = $items | Invoke-OneStoreAcknowledge -Connection $conn

        $out.PurchaseToken | Should -Be $items.PurchaseToken
        $out.Code | Sort-Object -Unique | Should -Be @('Success')
    }
}

Describe 'Subscription changes under concurrency' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'Set-OneStoreSubscription -PassThru emits results in input order and defers each subscription once' {
        $subs = 1..10 | ForEach-Object {
            $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'premium_sub' -Type subscription -Property @{ acknowledged = $true }
            [pscustomobject]@{ ProductId = 'premium_sub'; PurchaseToken = $p.purchaseToken }
        }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'deferSubscription'; latencyMs = 1; latencyJitterMs = 120; seed = 13 }

        $out = $subs | Set-OneStoreSubscription -DeferPeriod 2 -PassThru -Connection $conn

        $out.PurchaseToken | Should -Be $subs.PurchaseToken
        foreach ($s in $subs) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $s.PurchaseToken).changeCount | Should -Be 1 }
    }
}

Describe 'Errors tied to the right item under concurrency' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'each error names its own item, and the good items all come out in order' {
        $good = @(New-Items -Count 12 -Prefix 'mix')
        $missing = 1..6 | ForEach-Object { [pscustomobject]@{ ProductId = 'mix_bulk'; PurchaseToken = ('MISSING{0:D13}' -f $_) } }
        # Interleave: good, missing, good, good, missing, ...
        $items = [System.Collections.Generic.List[object]]::new()
        $m = 0
        for ($i = 0; $i -lt $good.Count; $i++) {
            $items.Add($good[$i])
            if ($i % 2 -eq 0) { $items.Add($missing[$m]); $m++ }
        }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 1; latencyJitterMs = 120; seed = 3 }

        $out = $items | Get-OneStorePurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err

        $out.PurchaseToken | Should -Be $good.PurchaseToken
        $err | Should -HaveCount 6
        ($err | Get-ErrorTargetToken) | Should -Be $missing.PurchaseToken
        $err.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be @('NoSuchData,OneStoreIap.Commands.GetOneStorePurchaseCommand')
    }

    It 'a consume that fails only fails its own item' {
        $items = @(New-Items -Count 8 -Prefix 'eat')
        # The third item is already consumed: only it gets InvalidConsumeState.
        $null = Invoke-OneStoreConsume -ProductId $items[2].ProductId -PurchaseToken $items[2].PurchaseToken -Connection $conn
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'consumePurchase'; latencyMs = 1; latencyJitterMs = 100; seed = 5 }

        $out = $items | Invoke-OneStoreConsume -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err

        $err | Should -HaveCount 1
        $err[0] | Get-ErrorTargetToken | Should -BeExactly $items[2].PurchaseToken
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidConsumeState,OneStoreIap.Commands.InvokeOneStoreConsumeCommand'
        $out.PurchaseToken | Should -Be ($items | Where-Object PurchaseToken -ne $items[2].PurchaseToken).PurchaseToken
        foreach ($item in $items) {
            (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $item.PurchaseToken).consumeCount | Should -Be 1
        }
    }
}

Describe '-ThrottleLimit' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It '-ThrottleLimit 1 keeps strictly one request in flight' {
        $items = New-Items -Count 10 -Prefix 'one'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 40 }
        Reset-EmulatorCounter -Emulator $emu

        $out = $items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 1

        $out | Should -HaveCount 10
        $counters = Get-EmulatorCounter -Emulator $emu
        $counters.routes.getPurchaseDetails | Should -Be 10
        $counters.peakInFlight | Should -Be 1
    }

    It 'the default keeps several requests in flight when replies are slow' {
        $items = New-Items -Count 16 -Prefix 'many'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 150 }
        Reset-EmulatorCounter -Emulator $emu

        $out = $items | Get-OneStorePurchase -Connection $conn

        $out | Should -HaveCount 16
        (Get-EmulatorCounter -Emulator $emu).peakInFlight | Should -BeGreaterThan 1
    }

    It 'never has more requests in flight than the limit' {
        $items = New-Items -Count 20 -Prefix 'three'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60 }
        Reset-EmulatorCounter -Emulator $emu

        $null = $items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 3

        $peak = (Get-EmulatorCounter -Emulator $emu).peakInFlight
        $peak | Should -BeLessOrEqual 3
        $peak | Should -BeGreaterThan 1
    }

    It 'reads input ahead of the replies, but only a bounded number of items (limit <Limit>)' -TestCases @(
        @{ Limit = 1; Ahead = 16 }, @{ Limit = 2; Ahead = 16 }, @{ Limit = 20; Ahead = 20 }
    ) {
        # Enough items that the bound below can fail.
        $items = @(New-Items -Count ($Limit + $Ahead + 10) -Prefix "ahead$Limit")
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 150 }
        $script:produced = 0
        $script:producedAtFirst = $null

        $out = & { foreach ($i in $items) { $script:produced++; $i } } |
            Get-OneStorePurchase -Connection $conn -ThrottleLimit $Limit |
            ForEach-Object { if ($null -eq $script:producedAtFirst) { $script:producedAtFirst = $script:produced }; $_ }

        $out.PurchaseToken | Should -Be $items.PurchaseToken
        # PowerShell's work on the next items overlaps the requests in flight (with -ThrottleLimit 1 too)...
        $script:producedAtFirst | Should -BeGreaterThan $Limit
        # ...but no more than the limit, the waiting room and the item being bound are taken before the first result.
        $script:producedAtFirst | Should -BeLessOrEqual ($Limit + $Ahead + 1)
    }

    It 'starts no request once the next command has stopped the pipeline' {
        $items = @(New-Items -Count 30 -Prefix 'stopped')
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 200 }
        Reset-EmulatorCounter -Emulator $emu

        $first = $items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 2 | Select-Object -First 1
        # Until the emulator has nothing in flight: a window that kept going after the stop would keep a 200 ms
        # request in flight for the 30 items' 3 s, and reach this point with all 30 asked for.
        Wait-TestCondition { (Get-EmulatorCounter -Emulator $emu).inFlight -eq 0 } | Should -BeTrue

        $first.PurchaseToken | Should -Be $items[0].PurchaseToken
        # The two in flight when the first result came, and at most the two that their replies started.
        (Get-EmulatorCounter -Emulator $emu).routes.getPurchaseDetails | Should -BeLessOrEqual 4
    }

    It 'refuses a limit of <Limit>' -TestCases @(@{ Limit = 0 }, @{ Limit = 65 }) {
        { Get-OneStorePurchase -ProductId 'gem' -PurchaseToken 'TOKEN000000000000001' -Connection $conn -ThrottleLimit $Limit -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }

    It 'is offered by every per-item cmdlet' {
        foreach ($name in 'Get-OneStorePurchase', 'Get-OneStoreSubscription', 'Invoke-OneStoreAcknowledge', 'Invoke-OneStoreConsume',
            'Stop-OneStoreSubscription', 'Resume-OneStoreSubscription', 'Set-OneStoreSubscription') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'ThrottleLimit' -Because $name
        }
    }

    It 'makes one token request however many requests run at once' {
        $items = New-Items -Count 16 -Prefix 'tok'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 30 }
        Reset-EmulatorCounter -Emulator $emu
        $fresh = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru

        $null = $items | Get-OneStorePurchase -Connection $fresh -ThrottleLimit 16

        (Get-EmulatorCounter -Emulator $emu).tokenRequests | Should -Be 1
    }
}

Describe 'Cancellation while requests are in flight' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'Stop() returns promptly though every reply would take a minute' {
        $items = @(New-Items -Count 30 -Prefix 'slow')
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60000 }
        Reset-EmulatorCounter -Emulator $emu

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $BaseUri, $ClientId, $Secret, $Items)
                    Import-Module $ModulePath
                    $c = Connect-OneStore -ClientId $ClientId -ClientSecret $Secret -BaseUri $BaseUri -PassThru
                    $Items | Get-OneStorePurchase -Connection $c
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($emu.BaseUri).AddArgument($app.ClientId).AddArgument($app.SecureSecret).AddArgument($items)
            $async = $ps.BeginInvoke()

            # Wait (boundedly) until lookups are really in flight.
            Wait-TestCondition {
                $c = Get-EmulatorCounter -Emulator $emu
                $c.routes.getPurchaseDetails -ge 1 -and $c.inFlight -ge 1
            } | Should -BeTrue -Because 'lookups must be in flight before the stop'


            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $stop = $ps.BeginStop($null, $null)
            $stopped = $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10))
            $watch.Stop()

            $stopped | Should -BeTrue -Because 'Ctrl+C must cancel the requests in flight, not wait a minute for their replies'
            $ps.InvocationStateInfo.State | Should -Be ([System.Management.Automation.PSInvocationState]::Stopped)
        } finally {
            if ($ps.InvocationStateInfo.State -eq 'Running') { $null = $ps.BeginStop($null, $null) }
            $ps.Dispose()
        }
    }
}

Describe 'Paging stops early under Select-Object -First' {
    It 'asks only for the pages the first objects need, and at most two more' {
        $null = Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
            clientId = $app.ClientId; productId = 'page_bulk'; type = 'inapp'; marketCode = 'MKT_ONE'; count = 40; voided = $true
        }
        Reset-EmulatorCounter -Emulator $emu

        $five = Get-OneStoreVoidedPurchase -Connection $conn -PageSize 2 | Select-Object -First 5

        $five | Should -HaveCount 5
        # The 5 objects are on pages 1-3 of 20; the fetcher runs at most two pages ahead of the page being written.
        (Get-EmulatorCounter -Emulator $emu -Route 'getVoidedPurchases') | Should -BeLessOrEqual 5
        # Select-Object -First 1 takes one request: the second page is not asked for before the first object is out.
        Reset-EmulatorCounter -Emulator $emu
        $null = Get-OneStoreVoidedPurchase -Connection $conn -PageSize 2 | Select-Object -First 1
        (Get-EmulatorCounter -Emulator $emu -Route 'getVoidedPurchases') | Should -Be 1
    }
}
