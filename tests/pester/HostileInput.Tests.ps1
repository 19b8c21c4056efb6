# Hostile input (ids and tokens from a CSV nobody checked) and hostile replies (whatever a proxy or a broken server sends):
# each value reaches exactly its own route intact or is refused before any request; each reply gives a clear error or a
# correct object, never a hang, and the session stays usable.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
    # The client-side ids a refused value may get: the engine's checks, or PowerShell's own for an empty string.
    $script:clientSideIds = 'InvalidProductId', 'InvalidPurchaseToken', 'ParameterArgumentValidationErrorEmptyStringNotAllowed'

    function Invoke-Item {
        # Pipes one item into a cmdlet; returns its output, its errors (terminating or not) and the requests it caused.
        param([string] $Cmdlet, [string] $ProductId, [string] $PurchaseToken)
        $before = (Get-EmulatorCounter -Emulator $emu).totalRequests
        $errs = @()
        $out = $null
        try {
            $out = [pscustomobject]@{ ProductId = $ProductId; PurchaseToken = $PurchaseToken } |
                & $Cmdlet -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable errs
        } catch {
            $errs = @($_)
        }
        $requests = (Get-EmulatorCounter -Emulator $emu).totalRequests - $before
        [pscustomobject]@{
            Output   = $out
            Errors   = @($errs)
            Requests = $requests
            Seen     = if ($requests -gt 0) { @(Get-EmulatorRequest -Emulator $emu -Last $requests) } else { @() }
        }
    }

    $script:tokenNumber = 0
    function New-UniqueToken {
        # A fresh purchase token of at most 20 characters for cases whose token is not the hostile value.
        $script:tokenNumber++
        'HI-{0:D6}-{1}' -f $tokenNumber, [guid]::NewGuid().ToString('N').Substring(0, 8)
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'Hostile product ids and purchase tokens' {
    BeforeDiscovery {
        $reach = @(
            @{ Name = 'backslash'; Value = 'a\b' }
            @{ Name = 'question mark'; Value = 'a?b' }
            @{ Name = 'hash'; Value = 'a#b' }
            @{ Name = 'percent'; Value = 'a%b' }
            @{ Name = 'an encoded slash, literally'; Value = 'a%2Fb' }
            @{ Name = 'encoded dots, literally'; Value = '%2E%2E' }
            @{ Name = 'plus and semicolon'; Value = 'a+b;c' }
            @{ Name = 'an inner space'; Value = 'a b' }
            @{ Name = 'dots inside'; Value = '.a..b' }
            @{ Name = 'Korean'; Value = '다이아100' }
            @{ Name = 'emoji'; Value = "gem$([char]::ConvertFromUtf32(0x1F48E))" }
        )
        $refuse = @(
            @{ Name = 'a slash'; Value = 'a/b' }
            @{ Name = 'a lone slash'; Value = '/' }
            @{ Name = 'dot'; Value = '.' }
            @{ Name = 'dot dot'; Value = '..' }
            @{ Name = 'a tab'; Value = "a`tb" }
            @{ Name = 'a newline'; Value = "a`nb" }
            @{ Name = 'a carriage return'; Value = "a`rb" }
            @{ Name = 'a NUL'; Value = "a$([char]0)b" }
            @{ Name = 'an escape'; Value = "a$([char]0x1b)b" }
            @{ Name = 'DEL'; Value = "a$([char]0x7f)b" }
            @{ Name = 'empty'; Value = '' }
            @{ Name = 'whitespace only'; Value = "  `t " }
            @{ Name = 'a leading space'; Value = ' ab' }
            @{ Name = 'a trailing space'; Value = 'ab ' }
        )
        $script:productReach = $reach + @(@{ Name = 'the spec''s 150 characters'; Value = 'p' * 150 })
        $script:productRefuse = $refuse + @(@{ Name = 'one past the spec''s 150 characters'; Value = 'p' * 151 })
        $script:tokenReach = $reach + @(@{ Name = 'the spec''s 20 characters'; Value = 't' * 20 })
        $script:tokenRefuse = $refuse + @(@{ Name = 'one past the spec''s 20 characters'; Value = 't' * 21 })
    }

    Context '<_> with a hostile product id' -ForEach 'Get-OneStorePurchase', 'Invoke-OneStoreConsume' {
        BeforeAll {
            $script:cmdlet = $_
            $script:route, $script:action = if ($cmdlet -eq 'Get-OneStorePurchase') { 'getPurchaseDetails', $null } else { 'consumePurchase', 'consume' }
        }

        It 'reaches its route intact: <Name>' -ForEach $productReach {
            $p = New-TestPurchase -Emulator $emu -App $app -ProductId $Value -Property @{ purchaseToken = (New-UniqueToken) }
            $r = Invoke-Item -Cmdlet $cmdlet -ProductId $Value -PurchaseToken $p.purchaseToken

            $r.Errors | Should -BeNullOrEmpty
            $r.Output.PurchaseToken | Should -BeExactly $p.purchaseToken
            $r.Output.ProductId | Should -BeExactly $Value
            $r.Requests | Should -Be 1 -Because 'one request, to one route'
            $r.Seen[0].route | Should -BeExactly $route
            $expected = @('v7', 'apps', $app.ClientId, 'purchases', 'inapp', 'products', $Value, $p.purchaseToken) + @($action | Where-Object { $_ })
            $r.Seen[0].segments | Should -BeExactly $expected
            if ($action) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).consumeCount | Should -Be 1 }
        }

        It 'is refused before any request: <Name>' -ForEach $productRefuse {
            $r = Invoke-Item -Cmdlet $cmdlet -ProductId $Value -PurchaseToken (New-UniqueToken)

            $r.Requests | Should -Be 0
            $r.Output | Should -BeNullOrEmpty
            $r.Errors | Should -HaveCount 1
            ($r.Errors[0].FullyQualifiedErrorId -split ',')[0] | Should -BeIn $clientSideIds
            $r.Errors[0].Exception.Message | Should -Match 'product ?id|ProductId'
        }
    }

    Context '<_> with a hostile purchase token' -ForEach 'Get-OneStorePurchase', 'Invoke-OneStoreConsume' {
        BeforeAll {
            $script:cmdlet = $_
            $script:route, $script:action = if ($cmdlet -eq 'Get-OneStorePurchase') { 'getPurchaseDetails', $null } else { 'consumePurchase', 'consume' }
            $script:productId = "hostile_$($cmdlet -replace '\W')"
        }

        It 'reaches its route intact: <Name>' -ForEach $tokenReach {
            # Tokens are unique in the emulator: the consume cases use their own variant of the hostile value.
            $token = if ($cmdlet -eq 'Get-OneStorePurchase') { $Value } elseif ($Value.Length -lt 20) { 'c' + $Value } else { 'c' + $Value.Substring(1) }
            $null = New-TestPurchase -Emulator $emu -App $app -ProductId $productId -Property @{ purchaseToken = $token }
            $r = Invoke-Item -Cmdlet $cmdlet -ProductId $productId -PurchaseToken $token

            $r.Errors | Should -BeNullOrEmpty
            $r.Output.PurchaseToken | Should -BeExactly $token
            $r.Requests | Should -Be 1 -Because 'one request, to one route'
            $r.Seen[0].route | Should -BeExactly $route
            $expected = @('v7', 'apps', $app.ClientId, 'purchases', 'inapp', 'products', $productId, $token) + @($action | Where-Object { $_ })
            $r.Seen[0].segments | Should -BeExactly $expected
            if ($action) { (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $token).consumeCount | Should -Be 1 }
        }

        It 'is refused before any request: <Name>' -ForEach $tokenRefuse {
            $r = Invoke-Item -Cmdlet $cmdlet -ProductId $productId -PurchaseToken $Value

            $r.Requests | Should -Be 0
            $r.Output | Should -BeNullOrEmpty
            $r.Errors | Should -HaveCount 1
            ($r.Errors[0].FullyQualifiedErrorId -split ',')[0] | Should -BeIn $clientSideIds
            $r.Errors[0].Exception.Message | Should -Match 'purchase ?token|PurchaseToken'
        }
    }

    Context 'A hostile item among good ones' {
        It 'is refused on its own; the items around it reach their routes' {
            $good = 1..3 | ForEach-Object { New-TestPurchase -Emulator $emu -App $app -ProductId 'mixed_gem' -Property @{ purchaseToken = (New-UniqueToken) } }
            $items = @(
                [pscustomobject]@{ ProductId = 'mixed_gem'; PurchaseToken = $good[0].purchaseToken }
                [pscustomobject]@{ ProductId = 'mixed_gem'; PurchaseToken = '../../voided' }
                [pscustomobject]@{ ProductId = 'mixed_gem'; PurchaseToken = $good[1].purchaseToken }
                [pscustomobject]@{ ProductId = ''; PurchaseToken = 'x' }
                [pscustomobject]@{ ProductId = 'mixed_gem'; PurchaseToken = $good[2].purchaseToken }
            )
            $before = (Get-EmulatorCounter -Emulator $emu).totalRequests

            $out = $items | Invoke-OneStoreConsume -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err

            $out.PurchaseToken | Should -Be $good.purchaseToken
            $err | Should -HaveCount 2
            $seen = @(Get-EmulatorRequest -Emulator $emu -Last 3)
            (Get-EmulatorCounter -Emulator $emu).totalRequests - $before | Should -Be 3
            $seen.route | Sort-Object -Unique | Should -BeExactly @('consumePurchase')
            ($seen | ForEach-Object { $_.segments[7] } | Sort-Object) | Should -Be ($good.purchaseToken | Sort-Object)
        }
    }
}

Describe 'Hostile replies' {
    BeforeAll {
        function Set-RawReply {
            # The next request to the route gets this raw reply instead of the emulator's own answer.
            param([string] $Route, [string] $Body, [string] $ContentType = 'application/json;charset=UTF-8', [int] $Status = 200)
            $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = $Route; status = $Status; body = $Body; contentType = $ContentType; count = 1 }
        }
        $script:normal = New-TestPurchase -Emulator $emu -App $app -ProductId 'normal_gem' -Property @{ purchaseToken = (New-UniqueToken) }
    }
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
        # The session stays usable: a normal lookup works after each hostile reply.
        (Get-OneStorePurchase -ProductId 'normal_gem' -PurchaseToken $normal.purchaseToken -Connection $conn -ErrorAction Stop).PurchaseToken |
            Should -BeExactly $normal.purchaseToken
    }

    It 'a clear error for <Name>' -ForEach @(
        @{ Name = 'an HTML page with 200'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'text/html'; Body = '<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>'; Id = 'ProtocolError'; Message = 'not the .*JSON.*Welcome to nginx' }
        @{ Name = 'an HTML error page with 404'; Route = 'getPurchaseDetails'; Status = 404; ContentType = 'text/html'; Body = '<html><head><title>404 Not Found</title></head><body>Not Found</body></html>'; Id = 'ProtocolError'; Message = 'HTTP 404.*404 Not Found' }
        @{ Name = 'a JSON error body without a code'; Route = 'getPurchaseDetails'; Status = 400; ContentType = 'application/json'; Body = '{"status":400,"detail":"nope"}'; Id = 'HttpError'; Message = 'HTTP 400' }
        @{ Name = 'a string that is no number'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'application/json'; Body = '{"purchaseState":"zero","purchaseId":"1","purchaseTime":1345678900000}'; Id = 'ProtocolError'; Message = 'purchaseState' }
        @{ Name = 'an object where a number is'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'application/json'; Body = '{"purchaseState":0,"purchaseTime":{"ms":1}}'; Id = 'ProtocolError'; Message = 'purchaseTime' }
        @{ Name = 'a top-level array'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'application/json'; Body = '[{"purchaseState":0}]'; Id = 'ProtocolError'; Message = 'not the JSON the spec describes' }
        @{ Name = 'a JSON null'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'application/json'; Body = 'null'; Id = 'ProtocolError'; Message = 'empty or null' }
        @{ Name = 'an empty 200'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'application/json'; Body = ''; Id = 'ProtocolError'; Message = 'empty' }
        @{ Name = 'JSON nested 10,000 deep'; Route = 'getPurchaseDetails'; Status = 200; ContentType = 'application/json'; Body = ('{"x":' * 10000) + '1' + ('}' * 10000); Id = 'ProtocolError'; Message = 'not the JSON the spec describes' }
        @{ Name = 'an object where the list is'; Route = 'getUnconfirmedPurchases'; Status = 200; ContentType = 'application/json'; Body = '{"unconfirmedPurchaseList":{"purchaseId":"1"}}'; Id = 'ProtocolError'; Message = 'unconfirmedPurchaseList' }
        @{ Name = 'a number where the list is'; Route = 'getVoidedPurchases'; Status = 200; ContentType = 'application/json'; Body = '{"voidedPurchaseList":5}'; Id = 'ProtocolError'; Message = 'voidedPurchaseList' }
    ) {
        Set-RawReply -Route $Route -Status $Status -ContentType $ContentType -Body $Body
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        # A lookup writes a per-item error; a list stops with a terminating one: both are collected.
        $cmd, $class = switch ($Route) {
            'getPurchaseDetails' { { Get-OneStorePurchase -ProductId 'normal_gem' -PurchaseToken $normal.purchaseToken -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err }, 'GetOneStorePurchaseCommand' }
            'getUnconfirmedPurchases' { { Get-OneStoreUnconfirmedPurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err }, 'GetOneStoreUnconfirmedPurchaseCommand' }
            'getVoidedPurchases' { { Get-OneStoreVoidedPurchase -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err }, 'GetOneStoreVoidedPurchaseCommand' }
        }
        $err = @()
        $out = $null
        try {
            $out = . $cmd
        } catch {
            $err = @($_)
        }
        $watch.Stop()

        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "$Id,OneStoreIap.Commands.$class"
        $err[0].Exception.Message | Should -Match $Message
        $err[0].Exception.Message.Length | Should -BeLessThan 600 -Because 'an excerpt, not the whole reply'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'a correct object for a number sent as a string, and unknown nested fields' {
        Set-RawReply -Route 'getPurchaseDetails' -Body '{"purchaseState":"0","acknowledgeState":"1","consumptionState":0,"purchaseId":"42","purchaseTime":"1345678900000","quantity":"3","extra":{"deep":[{"a":null}]},"list":[1,"x",{}]}'
        $r = Get-OneStorePurchase -ProductId 'normal_gem' -PurchaseToken $normal.purchaseToken -Connection $conn -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $r.PurchaseId | Should -BeExactly '42'
        $r.Quantity | Should -Be 3
        $r.PurchaseTimeMillis | Should -Be 1345678900000
        [string]$r.AcknowledgeState | Should -BeExactly 'Acknowledged'
    }

    It 'a reply of <Megabytes> MB with <Status> is not read past the cap: ReplyTooLarge, and memory stays sane' -ForEach @(
        @{ Megabytes = 12; Status = 200 }
        @{ Megabytes = 12; Status = 404 }
    ) {
        $body = '{"purchaseState":0,"pad":"' + ('x' * ($Megabytes * 1MB)) + '"}'
        Set-RawReply -Route 'getPurchaseDetails' -Status $Status -Body $body
        $body = $null
        [GC]::Collect()
        $memoryBefore = [GC]::GetTotalMemory($true)

        $out = Get-OneStorePurchase -ProductId 'normal_gem' -PurchaseToken $normal.purchaseToken -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err

        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ReplyTooLarge,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $err[0].Exception.Message | Should -Match 'larger than \d+ KiB'
        # The reply was not buffered: the managed heap grew by far less than the reply's size.
        ([GC]::GetTotalMemory($true) - $memoryBefore) / 1MB | Should -BeLessThan ($Megabytes / 2)
    }

    It 'a token reply that is an HTML page fails Connect-OneStore clearly; the next connect works' {
        Set-RawReply -Route 'issueToken' -ContentType 'text/html' -Body '<html><body>Gateway says hello</body></html>'
        $e = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru -ErrorAction Stop }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.ConnectOneStoreCommand'
        $e.Exception.Message | Should -Match 'Gateway says hello'
        Clear-EmulatorFault -Emulator $emu
        $again = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
        $again.ClientId | Should -BeExactly $app.ClientId
    }

    It 'a token reply without access_token fails Connect-OneStore clearly' {
        Set-RawReply -Route 'issueToken' -Body '{"token_type":"bearer","expires_in":3600}'
        $e = Get-ThrownError { Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.ConnectOneStoreCommand'
        $e.Exception.Message | Should -Match 'access_token'
    }

    It 'an acknowledge answered with an HTML 200 is a clear error, and the purchase is left as it was' {
        $p = New-TestPurchase -Emulator $emu -App $app -ProductId 'normal_gem' -Property @{ purchaseToken = (New-UniqueToken) }
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'acknowledgePurchase'; status = 200; body = '<html>maintenance</html>'; contentType = 'text/html'; count = 1 }
        $out = Invoke-OneStoreAcknowledge -ProductId 'normal_gem' -PurchaseToken $p.purchaseToken -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.InvokeOneStoreAcknowledgeCommand'
        (Get-EmulatorPurchase -Emulator $emu -PurchaseToken $p.purchaseToken).acknowledgeCount | Should -Be 0
    }
}
