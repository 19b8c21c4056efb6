# Replies the spec leaves loose: its own examples, unknown fields, null and missing fields (served raw by the emulator).
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru

    function Set-RawReply {
        # The next request to the route gets this body with 200 OK instead of the emulator's own answer.
        param([string] $Route, [string] $Body)
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = $Route; status = 200; body = $Body; contentType = 'application/json;charset=UTF-8'; count = 1 }
    }
}

AfterAll {
    $script:emu | Stop-TestEmulator
}

Describe 'The spec''s own examples' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'getPurchaseDetails' {
        Set-RawReply -Route 'getPurchaseDetails' -Body @'
{
    "consumptionState": 0,
    "developerPayload": "developerPayload",
    "purchaseState": 0,
    "purchaseTime": 1345678900000,
    "purchaseId": "17070421461015116878",
    "acknowledgeState": 0,
	"quantity": 2
}
'@
        $r = Get-OneStorePurchase -ProductId 'product01' -PurchaseToken 'SANDBOXT000120004476' -Connection $conn -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $r.PurchaseId | Should -BeExactly '17070421461015116878'
        $r.Quantity | Should -Be 2
        $r.DeveloperPayload | Should -BeExactly 'developerPayload'
        $r.PurchaseTimeMillis | Should -Be 1345678900000
        $r.PurchaseTime | Should -Be ([DateTimeOffset]::new(2012, 8, 23, 8, 41, 40, [TimeSpan]::FromHours(9)))
        $r.ProductId | Should -BeExactly 'product01'
        $r.PurchaseToken | Should -BeExactly 'SANDBOXT000120004476'
    }

    It 'getRecurringPurchaseDetails' {
        Set-RawReply -Route 'getRecurringPurchaseDetails' -Body @'
{
    "startTime": 1345678900000,
    "expiryTime": 1345678999999,
    "nextPaymentTime": 1345688000000,
    "autoRenewing": true,
    "cancelReason": 1,
    "cancelledTime": 1345679000000,
    "acknowledgeState": 0,
    "lastPurchaseId":"15081718460701027851",
    "lastPurchaseState": 0
}
'@
        $r = Get-OneStorePurchase -ProductId 'monthly' -PurchaseToken 'TOKEN000000000000001' -Type Auto -Connection $conn -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $r.LastPurchaseId | Should -BeExactly '15081718460701027851'
        [string]$r.CancelReason | Should -BeExactly 'Other'
        $r.AutoRenewing | Should -BeTrue
        $r.ExpiryTimeMillis | Should -Be 1345678999999
        $r.IsEntitled | Should -BeFalse -Because 'the example''s expiry is in 2012'
    }

    It 'getVoidedPurchases (whose list key carries a trailing space in the spec)' {
        Set-RawReply -Route 'getVoidedPurchases' -Body @'
{
    "voidedPurchaseList ": [
        {
            "purchaseId": "19062709124410111299",
            "purchaseTime": 1345678900000,
            "voidedTime": 1345688900000,
            "purchaseToken": "19062709124410111299",
            "marketCode": "MKT_ONE"
        },
        {
            "purchaseId": "19062709124410111300",
            "purchaseTime": 1345679900000,
            "voidedTime": 1345878900000,
            "purchaseToken": "19062709124410111299",
            "marketCode": "MKT_ONE"
        }
    ]
}
'@
        $r = @(Get-OneStoreVoidedPurchase -Connection $conn -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $r | Should -HaveCount 2
        $r.PurchaseId | Should -Be @('19062709124410111299', '19062709124410111300')
        $r[1].VoidedTimeMillis | Should -Be 1345878900000
    }

    It 'getUnconfirmedPurchases (Korean product ids, trailing-space list key)' {
        Set-RawReply -Route 'getUnconfirmedPurchases' -Body @'
{
	"unconfirmedPurchaseList ": [
		{
            "type": "inapp",
            "orderId": "01239349082349823489342",
            "productId": "다이아100_20170818000000",
 			"purchaseToken": "19062709124410111299",
			"purchaseId": "19062709124410111299",
			"purchaseTime": 1345678900000,
 			"purchaseState": 0,
            "developerPayload": "E23DEFB029F84F4383ECB0E53B46B6A2",
            "quantity": 1,
			"marketCode": "MKT_ONE"
		},
 		{
            "type": "inapp",
            "orderId": "01239349082349823489343",
            "productId": "루비300_20170818000000",
 			"purchaseToken": "19062709124410111299",
			"purchaseId": "19062709124410111300",
			"purchaseTime": 1345679900000,
 			"purchaseState": 0,
            "developerPayload": "T_RPAY_27_201707120110880",
            "quantity": 2,
			"marketCode": "MKT_ONE"
		}
	]
}
'@
        $r = @(Get-OneStoreUnconfirmedPurchase -Connection $conn -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $r | Should -HaveCount 2
        $r.ProductId | Should -Be @('다이아100_20170818000000', '루비300_20170818000000')
        $r[1].Quantity | Should -Be 2
        [string]$r[0].Type | Should -Be 'InApp'
        $r[0].OrderId | Should -BeExactly '01239349082349823489342'
    }
}

Describe 'Loose replies' {
    AfterEach {
        Clear-EmulatorFault -Emulator $emu
    }

    It 'ignores fields the spec does not know yet' {
        Set-RawReply -Route 'getPurchaseDetails' -Body '{"consumptionState":1,"purchaseState":0,"purchaseTime":1345678900000,"purchaseId":"17070421461015116878","acknowledgeState":1,"quantity":1,"futureField":{"nested":[1,2,3]},"anotherOne":"x"}'
        $r = Get-OneStorePurchase -ProductId 'p' -PurchaseToken 'TOKEN000000000000002' -Connection $conn -ErrorVariable err
        $err | Should -BeNullOrEmpty
        [string]$r.ConsumptionState | Should -BeExactly 'Consumed'
        [string]$r.AcknowledgeState | Should -BeExactly 'Acknowledged'
    }

    It 'keeps going when fields are missing or null' {
        Set-RawReply -Route 'getPurchaseDetails' -Body '{"purchaseState":0,"purchaseId":"17070421461015116878","developerPayload":null,"quantity":null}'
        $r = Get-OneStorePurchase -ProductId 'p' -PurchaseToken 'TOKEN000000000000003' -Connection $conn -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $r.PurchaseId | Should -BeExactly '17070421461015116878'
        $r.DeveloperPayload | Should -BeNullOrEmpty
        $r.PurchaseTime | Should -BeNullOrEmpty
    }

    It 'reads a subscription whose paymentState is null as Expired' {
        Set-RawReply -Route 'getSubscriptionDetail' -Body '{"acknowledgementState":1,"autoRenewing":false,"paymentState":null,"priceAmount":"100","priceCurrencyCode":"KRW","countryCode":"KR","startTimeMillis":1623337199000,"expiryTimeMillis":1625929199000,"lastPurchaseId":"20202394820938409234","linkedPurchaseToken":null}'
        $r = Get-OneStoreSubscription -ProductId 's' -PurchaseToken 'TOKEN000000000000004' -Connection $conn -ErrorVariable err
        $err | Should -BeNullOrEmpty
        [string]$r.PaymentState | Should -BeExactly 'Expired'
        [string]$r.AcknowledgeState | Should -BeExactly 'Acknowledged'
        $r.LinkedPurchaseToken | Should -BeNullOrEmpty
    }

    It 'an empty 200 reply is a clear error, not a crash' {
        Set-RawReply -Route 'getPurchaseDetails' -Body ''
        $null = Get-OneStorePurchase -ProductId 'p' -PurchaseToken 'TOKEN000000000000005' -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0] | Get-ErrorTargetToken | Should -BeExactly 'TOKEN000000000000005'
    }

    It 'truncated JSON is a ProtocolError' {
        Set-RawReply -Route 'getPurchaseDetails' -Body '{"consumptionState":0,"purchaseState":0,"purch'
        $null = Get-OneStorePurchase -ProductId 'p' -PurchaseToken 'TOKEN000000000000006' -Connection $conn -ErrorAction SilentlyContinue -ErrorVariable err
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'ProtocolError,OneStoreIap.Commands.GetOneStorePurchaseCommand'
    }
}
