# The client secret and the access tokens never show: the main flows run with -Verbose -Debug inside a transcript in
# a fresh pwsh, every stream captured to a file too; then the transcript, the streams, $Error and every module object
# (ToString, Format-List *, ConvertTo-Json, Export-Clixml) are searched for the secret and for every token the
# emulator issued. Also: verbose output names each request, and a clear-text base URI off loopback is refused.
# (Redirects to other hosts are not followed: the emulator cannot send a Location header, so that is an engine test,
# RedirectTests, on real loopback sockets.)

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:Emulator = Start-TestEmulator
    $script:ClientId = 'com.onestoreiap.secrets'
    $script:Secret = 'Sec-' + [guid]::NewGuid().ToString('N')
    $script:WrongSecret = 'Wrong-' + [guid]::NewGuid().ToString('N')
    $null = Invoke-EmulatorControl $Emulator apps -Method POST -Body @{ clientId = $ClientId; clientSecret = $Secret }
    $buy = { param($product) (Invoke-EmulatorControl $Emulator purchases -Method POST -Body @{ clientId = $ClientId; productId = $product }).purchaseToken }
    $tokens = @{
        Lookup      = & $buy 'gem_100'
        Acknowledge = & $buy 'gem_200'
        Consume     = & $buy 'gem_300'
    }
    $null = Invoke-EmulatorControl $Emulator "purchases/$($tokens.Lookup)/void" -Method POST -Body @{}

    $script:Out = Join-Path $TestDrive 'secrets'
    $null = New-Item -ItemType Directory -Force $Out
    $child = Join-Path $TestDrive 'secrets-child.ps1'
    Set-Content -Path $child -Encoding utf8 -Value @'
param($ModulePath, $BaseUri, $ClientId, $Out, $LookupToken, $AcknowledgeToken, $ConsumeToken)
# The secrets come through the environment: a command line would show in the transcript's header.
$Secret = $env:ONESTOREIAP_TEST_SECRET
$WrongSecret = $env:ONESTOREIAP_TEST_WRONG_SECRET
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$null = Start-Transcript -Path (Join-Path $Out 'transcript.txt') -IncludeInvocationHeader
$control = { param($path, $body) Invoke-RestMethod -Method Post -Uri "$BaseUri/_emulator/$path" -ContentType 'application/json' -Body ($body | ConvertTo-Json -Compress) }
$common = @{ Verbose = $true; Debug = $true }
& {
    $secure = ConvertTo-SecureString $Secret -AsPlainText -Force
    Connect-OneStore -ClientId $ClientId -ClientSecret $secure -BaseUri $BaseUri -RetryBaseDelaySec 0.05 -PassThru @common
    Connect-OneStore -Credential ([pscredential]::new($ClientId, $secure)) -BaseUri $BaseUri -RetryBaseDelaySec 0.05 -PassThru @common
    Get-OneStoreConnection @common
    # A lookup that meets one 503 and is retried.
    $null = & $control faults @{ route = 'getPurchaseDetails'; status = 503; code = 'ServiceMaintenance'; count = 1 }
    Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $LookupToken @common
    Invoke-OneStoreAcknowledge -ProductId gem_200 -PurchaseToken $AcknowledgeToken @common
    Invoke-OneStoreConsume -ProductId gem_300 -PurchaseToken $ConsumeToken @common
    Get-OneStoreVoidedPurchase -PageSize 10 @common | Select-Object -First 5
    Get-OneStoreUnconfirmedPurchase -PageSize 10 @common | Select-Object -First 5
    Invoke-OneStoreRequest -Method GET -Path '/v7/apps/{clientId}/voided-purchases' @common
    # Errors: an unknown purchase, and bad credentials.
    Get-OneStorePurchase -ProductId gem_100 -PurchaseToken 'NoSuchToken0001' @common
    Connect-OneStore -ClientId $ClientId -ClientSecret (ConvertTo-SecureString $WrongSecret -AsPlainText -Force) -BaseUri $BaseUri -MaximumRetryCount 0 @common
    # A hostile server: error replies that echo the secret and the bearer token, raw, form-encoded, base64 and after
    # "Bearer ", as a JSON message, an HTML page and plain text; Get-Error shows what a user would look at next.
    $tok = @((Invoke-RestMethod "$BaseUri/_emulator/tokens").tokens)[-1].accessToken
    $echo = "secret=$Secret token=$tok Authorization: Bearer $tok form=client_secret=$([uri]::EscapeDataString($Secret)) b64=$([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Secret)))"
    $null = & $control faults @{ route = 'getPurchaseDetails'; status = 400; code = 'BadRequest'; message = $echo; count = 1 }
    Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $LookupToken @common
    $null = & $control faults @{ route = 'getPurchaseDetails'; status = 502; body = "<html><body><h1>Bad gateway</h1><p>$echo</p></body></html>"; contentType = 'text/html'; count = 4 }
    Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $LookupToken @common
    $null = & $control faults @{ route = 'getPurchaseDetails'; status = 404; body = $echo; contentType = 'text/plain'; count = 1 }
    Get-OneStorePurchase -ProductId gem_100 -PurchaseToken $LookupToken @common
    Get-Error -Newest 3 | Out-String -Width 400
    # The emulator's clock jumps past the token's life: the next call meets AccessTokenExpired and renews.
    $null = & $control clock/advance @{ minutes = 61 }
    Get-OneStorePurchase -ProductId gem_200 -PurchaseToken $AcknowledgeToken @common
} *>&1 | Tee-Object -Variable all | Out-Host
$all | Out-File -Width 400 (Join-Path $Out 'streams.txt')

# Every module object that came out, every error record, and the default connection.
$objects = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -or $_.GetType().FullName -like 'OneStoreIap.*' })
$objects += Get-OneStoreConnection
$objects += @($Error)
$i = 0
foreach ($o in $objects) {
    $i++
    $base = Join-Path $Out ("object-{0:D3}-{1}" -f $i, $o.GetType().Name)
    foreach ($view in @(
            @{ Suffix = 'tostring.txt'; Make = { $o.ToString() } },
            @{ Suffix = 'list.txt'; Make = { $o | Format-List * -Force | Out-String -Width 400 } },
            @{ Suffix = 'json'; Make = { $o | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue } },
            @{ Suffix = 'exception.txt'; Make = { if ($o -is [System.Management.Automation.ErrorRecord]) { $o.Exception.ToString(); $o.Exception | Format-List * -Force | Out-String -Width 400 } } })) {
        try { & $view.Make | Out-File -Width 400 "$base.$($view.Suffix)" }
        catch { "could not render: $($_.Exception.Message)" | Out-File "$base.$($view.Suffix)" }
    }
    try { $o | Export-Clixml -Depth 5 -Path "$base.clixml" } catch { "could not export: $($_.Exception.Message)" | Out-File "$base.clixml.txt" }
}
"objects=$i errors=$($Error.Count)" | Out-File (Join-Path $Out 'summary.txt')
$null = Stop-Transcript
'@
    $env:ONESTOREIAP_TEST_SECRET = $Secret
    $env:ONESTOREIAP_TEST_WRONG_SECRET = $WrongSecret
    try {
        $script:ChildOutput = & $Pwsh -NoProfile -NonInteractive -File $child -ModulePath $env:ONESTOREIAP_TEST_MODULE -BaseUri $Emulator.BaseUri `
            -ClientId $ClientId -Out $Out -LookupToken $tokens.Lookup -AcknowledgeToken $tokens.Acknowledge -ConsumeToken $tokens.Consume 2>&1 | Out-String
    } finally {
        Remove-Item Env:ONESTOREIAP_TEST_SECRET, Env:ONESTOREIAP_TEST_WRONG_SECRET
    }
    $script:Issued = @((Invoke-EmulatorControl $Emulator tokens).tokens | ForEach-Object accessToken)
    $script:Files = @(Get-ChildItem $Out -File)
    $script:Texts = @{}
    foreach ($f in $Files) { $Texts[$f.Name] = Get-Content -Raw $f.FullName }
    $Texts['child-console'] = $ChildOutput

    function Find-Text([string] $Needle) {
        @($Texts.GetEnumerator() | Where-Object { $_.Value -and $_.Value.Contains($Needle, [StringComparison]::OrdinalIgnoreCase) } | ForEach-Object Key)
    }
}

AfterAll {
    $Emulator | Stop-TestEmulator
}

Describe 'Secrets never show' {
    It 'ran the flows and captured what they wrote' {
        $Texts.Keys | Should -Contain 'transcript.txt'
        $Texts.Keys | Should -Contain 'streams.txt'
        @($Files | Where-Object Name -Like 'object-*.clixml').Count | Should -BeGreaterThan 5
        # The search sees the content: the flows' output, verbose included, is in the transcript and the streams.
        Find-Text 'POST /v7/oauth/token -> 200' | Should -Contain 'transcript.txt'
        Find-Text 'POST /v7/oauth/token -> 200' | Should -Contain 'streams.txt'
        Find-Text 'gem_300' | Should -Contain 'transcript.txt'
        # The error flow and the retry happened.
        $Texts['streams.txt'] | Should -Match 'NoSuchData'
        $Texts['streams.txt'] | Should -Match '503 ServiceMaintenance'
    }

    It 'the emulator issued several tokens (first connect and the renewal after expiry)' {
        $Issued.Count | Should -BeGreaterOrEqual 2
    }

    It 'the client secret appears nowhere' {
        Find-Text $Secret | Should -BeNullOrEmpty
    }

    It 'a wrong secret given to Connect-OneStore appears nowhere' {
        $Texts['streams.txt'] | Should -Match 'UnauthorizedAccess|InvalidClient|Unauthorized'
        Find-Text $WrongSecret | Should -BeNullOrEmpty
    }

    It 'no access token the emulator issued appears anywhere' {
        foreach ($token in $Issued) {
            $token | Should -Not -BeNullOrEmpty
            Find-Text $token | Should -BeNullOrEmpty -Because "token $($token.Substring(0, 4))... must not leak"
        }
    }

    It 'verbose output names each request: method, route, status and duration' {
        $Texts['streams.txt'] | Should -Match '(?m)^POST /v7/oauth/token -> 200 in \d+ ms'
        $Texts['streams.txt'] | Should -Match '(?m)^GET /v7/apps/com\.onestoreiap\.secrets/purchases/inapp/products/gem_100/\S+ -> 503 ServiceMaintenance in \d+ ms'
        $Texts['streams.txt'] | Should -Match '(?m)^POST /v7/apps/com\.onestoreiap\.secrets/purchases/inapp/products/gem_300/\S+/consume -> 200 in \d+ ms'
    }
}

Describe 'Transport rules' {
    BeforeAll {
        Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
        $script:AnySecret = ConvertTo-SecureString 'not-used' -AsPlainText -Force
    }

    It 'refuses a clear-text base URI that is not loopback' {
        { Connect-OneStore -ClientId com.app -ClientSecret $AnySecret -BaseUri 'http://iap.example.com' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidBaseUri,OneStoreIap.Commands.ConnectOneStoreCommand'
    }

    It 'allows clear text on loopback only (the emulator)' {
        { Connect-OneStore -ClientId com.app -ClientSecret $AnySecret -BaseUri 'http://10.0.0.1:8080' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidBaseUri,OneStoreIap.Commands.ConnectOneStoreCommand'
        $c = Connect-OneStore -ClientId $ClientId -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) -BaseUri $Emulator.BaseUri -PassThru
        $c.BaseUri.IsLoopback | Should -BeTrue
    }
}
