# Hostile input (product ids and purchase tokens that could break out of their path segment) and hostile replies
# (whatever a proxy, a broken server or an attacker might send back). Each value either reaches exactly its route with
# the value intact, as the emulator decoded it, or is refused before any request; each reply gives a clear error or a
# correct object, in bounded time, and the session keeps working.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru `
        -MaximumRetryCount 1 -RetryBaseDelaySec 0.01

    function Invoke-Counted {
        # Runs $Script and returns the errors it wrote and how many API requests the emulator saw meanwhile.
        param([scriptblock] $Script)
        Reset-EmulatorCounter -Emulator $emu
        # Each failure stays a non-terminating error, as in a script run with the default preference.
        # A terminating error (parameter binding, a failed list page) is caught and counted as the one error.
        $ErrorActionPreference = 'Continue'
        $all = [System.Collections.Generic.List[object]]::new()
        try {
            & $Script 2>&1 | ForEach-Object { $all.Add($_) }
        } catch {
            $all.Add($_)
        }
        [pscustomobject]@{
            Output   = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
            Errors   = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            Requests = (Get-EmulatorCounter -Emulator $emu).totalRequests
            Last     = @(Get-EmulatorRequest -Emulator $emu -Last 1)[0]
        }
    }

    function Test-NoControlCharacter([string] $Text) {
        -not ($Text.ToCharArray() | Where-Object { [char]::IsControl($_) })
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

BeforeDiscovery {
    # Value: the hostile text; Refused: whether it must be refused before any request.
    $script:values = @(
        @{ Name = 'slash'; Value = 'a/b'; Refused = $true }
        @{ Name = 'slash with a route behind it'; Value = 'x/acknowledge'; Refused = $true }
        @{ Name = 'a lone slash'; Value = '/'; Refused = $true }
        @{ Name = 'backslash'; Value = 'a\b'; Refused = $false }
        @{ Name = 'backslash dot dot'; Value = '..\..\x'; Refused = $false }
        @{ Name = 'question mark'; Value = 'a?b=c'; Refused = $false }
        @{ Name = 'hash'; Value = 'a#b'; Refused = $false }
        @{ Name = 'percent'; Value = '100%'; Refused = $false }
        @{ Name = 'encoded slash text'; Value = 'a%2Fb'; Refused = $false }
        @{ Name = 'encoded dot dot text'; Value = '%2E%2E'; Refused = $false }
        @{ Name = 'double-encoded slash text'; Value = '%252F'; Refused = $false }
        @{ Name = 'plus, ampersand, equals, semicolon'; Value = 'a+b&c=d;e'; Refused = $false }
        @{ Name = 'colon'; Value = 'urn:x'; Refused = $false }
        @{ Name = 'dot'; Value = '.'; Refused = $true }
        @{ Name = 'dot dot'; Value = '..'; Refused = $true }
        @{ Name = 'three dots'; Value = '...'; Refused = $false }
        @{ Name = 'leading dot'; Value = '.hidden'; Refused = $false }
        @{ Name = 'inner space'; Value = 'a b'; Refused = $false }
        @{ Name = 'leading space'; Value = ' ab'; Refused = $true }
        @{ Name = 'trailing space'; Value = 'ab '; Refused = $true }
        @{ Name = 'tab'; Value = "a`tb"; Refused = $true }
        @{ Name = 'newline'; Value = "a`nb"; Refused = $true }
        @{ Name = 'carriage return and header text'; Value = "a`r`nX-Evil: 1"; Refused = $true }
        @{ Name = 'NUL'; Value = "a$([char]0)b"; Refused = $true }
        @{ Name = 'escape (ANSI)'; Value = "a$([char]0x1b)[31mb"; Refused = $true }
        @{ Name = 'DEL'; Value = "a$([char]0x7f)b"; Refused = $true }
        @{ Name = 'C1 control (NEL)'; Value = "a$([char]0x85)b"; Refused = $true }
        @{ Name = 'unpaired surrogate'; Value = "a$([char]0xD800)b"; Refused = $true }
        @{ Name = 'empty'; Value = ''; Refused = $true }
        @{ Name = 'whitespace only'; Value = "   "; Refused = $true }
        @{ Name = 'no-break space only'; Value = "$([char]0xA0)"; Refused = $true }
        @{ Name = 'Korean'; Value = '다이아100_20170818000000'; Refused = $false }
        @{ Name = 'emoji'; Value = "gem$([char]::ConvertFromUtf32(0x1F48E))"; Refused = $false }
        @{ Name = 'zero-width space'; Value = "a$([char]0x200B)b"; Refused = $false }
    )
    $script:productCases = @($values | ForEach-Object { $_ + @{ What = 'product id' } }) + @(
        @{ Name = 'product id of 150 characters'; Value = ('p' * 150); Refused = $false }
        @{ Name = 'product id of 151 characters'; Value = ('p' * 151); Refused = $true }
        @{ Name = 'Korean product id of 150 characters'; Value = ('다' * 150); Refused = $false }
    )
    $script:tokenCases = @($values | Where-Object { $_.Value.Length -le 20 } | ForEach-Object { $_ + @{ What = 'purchase token' } }) + @(
        @{ Name = 'purchase token of 20 characters'; Value = ('T' * 20); Refused = $false }
        @{ Name = 'purchase token of 21 characters'; Value = ('T' * 21); Refused = $true }
    )
}

Describe 'Hostile product ids' {
    It '<Name>: lookup and consume reach their own route intact, or are refused before any request' -ForEach $productCases {
        $lookup = Invoke-Counted { Get-OneStorePurchase -ProductId $Value -PurchaseToken 'HOSTILE-0001' -Connection $conn }
        $consume = Invoke-Counted { Invoke-OneStoreConsume -ProductId $Value -PurchaseToken 'HOSTILE-0001' -Connection $conn -Confirm:$false }
        if ($Refused) {
            foreach ($r in $lookup, $consume) {
                $r.Requests | Should -Be 0 -Because 'a refused value must not reach the server at all'
                $r.Errors | Should -HaveCount 1
                # PowerShell's binder refuses an empty string for a mandatory parameter; the module refuses the rest.
                $r.Errors[0].FullyQualifiedErrorId | Should -Match '^(InvalidProductId|ParameterArgumentValidationErrorEmptyStringNotAllowed),OneStoreIap\.Commands\.'
                $r.Errors[0].Exception.Message | Should -Match 'product id|ProductId'
            }
        } else {
            $lookup.Requests | Should -Be 1
            $lookup.Last.route | Should -BeExactly 'getPurchaseDetails'
            $lookup.Last.segments | Should -HaveCount 8
            $lookup.Last.segments[6] | Should -BeExactly $Value
            $lookup.Last.segments[7] | Should -BeExactly 'HOSTILE-0001'
            $consume.Requests | Should -Be 1
            $consume.Last.route | Should -BeExactly 'consumePurchase'
            $consume.Last.segments | Should -HaveCount 9
            $consume.Last.segments[6] | Should -BeExactly $Value
            $consume.Last.segments[7] | Should -BeExactly 'HOSTILE-0001'
            $consume.Last.segments[8] | Should -BeExactly 'consume'
        }
    }
}

Describe 'Hostile purchase tokens' {
    It '<Name>: lookup and acknowledge reach their own route intact, or are refused before any request' -ForEach $tokenCases {
        $lookup = Invoke-Counted { Get-OneStoreSubscription -ProductId 'premium_monthly' -PurchaseToken $Value -Connection $conn }
        $ack = Invoke-Counted { Invoke-OneStoreAcknowledge -ProductId 'gem_100' -PurchaseToken $Value -Connection $conn -Confirm:$false }
        if ($Refused) {
            foreach ($r in $lookup, $ack) {
                $r.Requests | Should -Be 0 -Because 'a refused value must not reach the server at all'
                $r.Errors | Should -HaveCount 1
                $r.Errors[0].FullyQualifiedErrorId | Should -Match '^(InvalidPurchaseToken|ParameterArgumentValidationErrorEmptyStringNotAllowed),OneStoreIap\.Commands\.'
                $r.Errors[0].Exception.Message | Should -Match 'purchase token|PurchaseToken'
            }
        } else {
            $lookup.Requests | Should -Be 1
            $lookup.Last.route | Should -BeExactly 'getSubscriptionDetail'
            $lookup.Last.segments | Should -HaveCount 8
            $lookup.Last.segments[6] | Should -BeExactly 'premium_monthly'
            $lookup.Last.segments[7] | Should -BeExactly $Value
            $ack.Requests | Should -Be 1
            $ack.Last.route | Should -BeExactly 'acknowledgePurchase'
            $ack.Last.segments | Should -HaveCount 9
            $ack.Last.segments[7] | Should -BeExactly $Value
            $ack.Last.segments[8] | Should -BeExactly 'acknowledge'
        }
    }

    It 'a hostile value from a CSV row is refused for its own row only, and the other rows go on' {
        $bought = New-TestPurchase -Emulator $emu -App $app -Property @{ acknowledged = $true }
        $rows = @"
ProductId,PurchaseToken
gem_100,"a/../../x"
gem_100,
gem_100,$($bought.purchaseToken)
"@ | ConvertFrom-Csv
        $r = Invoke-Counted { $rows | Get-OneStorePurchase -Connection $conn }
        $r.Errors | Should -HaveCount 2
        $r.Errors[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidPurchaseToken,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $r.Errors[1].FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationErrorEmptyStringNotAllowed,OneStoreIap.Commands.GetOneStorePurchaseCommand'
        $r.Output.PurchaseToken | Should -BeExactly $bought.purchaseToken
        $r.Requests | Should -Be 1
        $r.Last.segments[7] | Should -BeExactly $bought.purchaseToken
    }
}

Describe 'Hostile replies' {
    BeforeDiscovery {
        $deep = ('{"a":' * 2000) + '1' + ('}' * 2000)
        $script:replyCases = @(
            @{ Name = 'an HTML page instead of JSON'; Body = '<html><body><h1>Proxy Error</h1><p>upstream</p></body></html>'; ContentType = 'text/html'; Status = 200
                Id = 'ProtocolError'; Message = 'is not the JSON.*Proxy Error' }
            @{ Name = 'an HTML error page (500) on every attempt'; Body = '<html><body>Internal Server Error</body></html>'; ContentType = 'text/html'; Status = 500
                Id = 'ProtocolError'; Message = 'HTTP 500' }
            @{ Name = 'truncated JSON'; Body = '{"purchaseState":0,"purchaseTi'; Status = 200; Id = 'ProtocolError'; Message = 'not the JSON the spec describes' }
            @{ Name = 'a string where a number is expected'; Body = '{"purchaseState":"zero","purchaseTime":1}'; Status = 200; Id = 'ProtocolError'; Message = 'purchaseState' }
            @{ Name = 'a huge number'; Body = '{"purchaseTime":1e400}'; Status = 200; Id = 'ProtocolError'; Message = 'purchaseTime' }
            @{ Name = 'an object where a list is expected'; Route = 'getVoidedPurchases'; Body = '{"voidedPurchaseList":{"purchaseId":"1"}}'; Status = 200
                Id = 'ProtocolError'; Message = 'voidedPurchaseList' }
            @{ Name = 'a list where an object is expected'; Body = '[{"purchaseState":0}]'; Status = 200; Id = 'ProtocolError'; Message = 'not the JSON' }
            @{ Name = 'JSON null'; Body = 'null'; Status = 200; Id = 'ProtocolError'; Message = 'empty or null' }
            @{ Name = 'an empty 200'; Body = ''; Status = 200; Id = 'ProtocolError'; Message = 'empty' }
            @{ Name = 'JSON nested 2,000 deep'; Body = $deep; Status = 200; Id = 'ProtocolError'; Message = 'not the JSON' }
            @{ Name = 'an error body inside a 200'; Body = '{"error":{"code":"InternalError","message":"boom"}}'; Status = 200; Id = 'InternalError'; Message = 'boom' }
            @{ Name = 'an error message with control characters and ANSI escapes'
                Body = "{`"error`":{`"code`":`"InvalidRequest`",`"message`":`"bad\u001b[31m red\r\nX-Injected: 1\u0007`"}}"; Status = 400
                Id = 'InvalidRequest'; Message = 'bad.*red X-Injected: 1' }
            @{ Name = 'a JSON reply without ONE store''s error code'; Body = '{"status":"nope"}'; Status = 400; Id = 'HttpError'; Message = 'without ONE store''s error code' }
            # A purchase whose every field is null is no purchase: a ProtocolError, not an object of nulls.
            @{ Name = 'missing fields'; Body = '{}'; Status = 200; Id = 'ProtocolError'; Message = 'none of the fields that identify a purchase' }
            @{ Name = 'null fields'; Body = '{"purchaseState":null,"purchaseTime":null,"quantity":null,"developerPayload":null,"purchaseId":null}'; Status = 200; Id = 'ProtocolError'; Message = 'none of the fields that identify a purchase' }
            @{ Name = 'unknown fields'; Body = '{"purchaseId":"123","purchaseState":0,"brandNew":{"nested":[1,2,{"x":null}]},"other":"x"}'; Status = 200; Id = $null; PurchaseId = '123' }
            @{ Name = 'JSON served as text/plain'; Body = '{"purchaseId":"456","purchaseState":0}'; ContentType = 'text/plain'; Status = 200; Id = $null; PurchaseId = '456' }
        )
        foreach ($case in $replyCases) {
            foreach ($key in 'Route', 'ContentType', 'PurchaseId', 'Message') { if (-not $case.ContainsKey($key)) { $case[$key] = $null } }
        }
    }

    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It '<Name>: a clear error or a correct object, in bounded time' -ForEach $replyCases {
        $route = if ($Route) { $Route } else { 'getPurchaseDetails' }
        $fault = @{ route = $route; status = $Status; body = $Body }
        if ($ContentType) { $fault.contentType = $ContentType } else { $fault.contentType = 'application/json;charset=UTF-8' }
        $null = Add-EmulatorFault -Emulator $emu -Fault $fault

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $r = if ($route -eq 'getVoidedPurchases') {
            Invoke-Counted { Get-OneStoreVoidedPurchase -Connection $conn }
        } else {
            Invoke-Counted { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken 'REPLY-0001' -Connection $conn }
        }
        $watch.Stop()

        if ($Id) {
            $r.Output | Should -BeNullOrEmpty
            $r.Errors | Should -HaveCount 1
            $command = if ($route -eq 'getVoidedPurchases') { 'GetOneStoreVoidedPurchaseCommand' } else { 'GetOneStorePurchaseCommand' }
            $r.Errors[0].FullyQualifiedErrorId | Should -BeExactly "$Id,OneStoreIap.Commands.$command"
            $text = $r.Errors[0].Exception.Message
            $text | Should -Match $Message
            $text.Length | Should -BeLessThan 1000 -Because 'the error quotes a short excerpt, not the whole reply'
            Test-NoControlCharacter $text | Should -BeTrue -Because 'a reply must not write control characters into a log'
        } else {
            $r.Errors | Should -BeNullOrEmpty
            $r.Output | Should -HaveCount 1
            $r.Output[0].PurchaseToken | Should -BeExactly 'REPLY-0001'
            $r.Output[0].ProductId | Should -BeExactly 'gem_100'
            if ($PurchaseId) { $r.Output[0].PurchaseId | Should -BeExactly $PurchaseId }
        }
    }

    It 'a body of many megabytes is refused unread (the size read is capped) and memory stays flat' {
        $big = '{"purchaseId":"1","developerPayload":"' + ('x' * (12MB)) + '"}'
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; status = 200; body = $big; contentType = 'application/json' }
        $big = $null
        [GC]::Collect()
        $before = [GC]::GetTotalMemory($true)

        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-Counted { 1..5 | ForEach-Object { Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken "BIG-000$_" -Connection $conn } }
        $watch.Stop()
        $growth = [GC]::GetTotalMemory($true) - $before
        Write-Host ("    12-MB replies: 5 refused in {0:0.0} s; managed memory grew {1:0.0} MB" -f $watch.Elapsed.TotalSeconds, ($growth / 1MB))

        $r.Errors | Should -HaveCount 5
        foreach ($e in $r.Errors) {
            $e.FullyQualifiedErrorId | Should -BeExactly 'ReplyTooLarge,OneStoreIap.Commands.GetOneStorePurchaseCommand'
            $e.Exception.Message | Should -Match 'larger than 4096 KiB'
        }
        $growth | Should -BeLessThan 8MB
    }

    It 'the session still works after every hostile reply' {
        Clear-EmulatorFault -Emulator $emu
        $bought = New-TestPurchase -Emulator $emu -App $app -Property @{ acknowledged = $true }
        $p = Get-OneStorePurchase -ProductId 'gem_100' -PurchaseToken $bought.purchaseToken -Connection $conn -ErrorAction Stop
        $p.PurchaseToken | Should -BeExactly $bought.purchaseToken
        $p.PurchaseId | Should -BeExactly $bought.purchaseId
    }
}
