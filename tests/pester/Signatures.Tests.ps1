# The signature cmdlets from a fresh pwsh with the staged module: pipeline binding from CSV rows, where the license key
# comes from, the errors with their full ids, and each Confirm-OneStorePurchase reason on its own, against an
# in-process emulator whose app key the test holds (so it can sign any receipt, as the ONE store SDK would).

BeforeAll {
    if (-not $env:ONESTOREIAP_TEST_MODULE) { throw 'ONESTOREIAP_TEST_MODULE is not set: run the suite through build.ps1 Test.' }
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    $script:SavedKey = $env:ONESTORE_LICENSE_KEY
    $env:ONESTORE_LICENSE_KEY = $null

    $script:Rsa = [Security.Cryptography.RSA]::Create(2048)
    $script:LicenseKey = [Convert]::ToBase64String($Rsa.ExportSubjectPublicKeyInfo())
    $seed = Join-Path $TestDrive 'seed.json'
    @{ apps = @(@{ clientId = 'com.example.game'; clientSecret = 'test-secret'; markets = @('MKT_ONE')
                privateKey = [Convert]::ToBase64String($Rsa.ExportPkcs8PrivateKey()) }) } |
        ConvertTo-Json -Depth 5 | Set-Content -Path $seed -Encoding utf8
    $script:Emulator = Start-OneStoreEmulator -SeedPath $seed

    function New-SignedReceipt {
        # A receipt as the SDK hands it: originalJson and its SHA512withRSA signature with the app's key.
        param([string] $OriginalJson)
        $bytes = [Text.Encoding]::UTF8.GetBytes($OriginalJson)
        $signature = $Rsa.SignData($bytes, [Security.Cryptography.HashAlgorithmName]::SHA512, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        [pscustomobject]@{ OriginalJson = $OriginalJson; Signature = [Convert]::ToBase64String($signature) }
    }
}

AfterAll {
    Disconnect-OneStore -ErrorAction Ignore
    Stop-OneStoreEmulator
    $env:ONESTORE_LICENSE_KEY = $SavedKey
}

Describe 'Test-OneStorePurchaseSignature' {
    BeforeEach { Disconnect-OneStore -ErrorAction Ignore; $env:ONESTORE_LICENSE_KEY = $null }

    It 'the emulator signs with the seeded key, and Import-Csv rows bind by property name' {
        $Emulator.LicenseKey | Should -BeExactly $LicenseKey
        $good = Add-OneStoreEmulatorPurchase -ProductId gem_100 -Emulator $Emulator
        $bad = [pscustomobject]@{ OriginalJson = $good.OriginalJson.Replace('gem_100', 'gem_999'); Signature = $good.Signature }
        $csv = Join-Path $TestDrive 'receipts.csv'
        $good, $bad | Select-Object OriginalJson, Signature | Export-Csv -LiteralPath $csv -Encoding utf8

        $results = @(Import-Csv $csv | Test-OneStorePurchaseSignature -LicenseKey $LicenseKey)

        $results | Should -Be @($true, $false)
    }

    It 'takes the license key from ONESTORE_LICENSE_KEY' {
        $receipt = New-SignedReceipt '{"productId":"gem_100"}'
        $env:ONESTORE_LICENSE_KEY = $LicenseKey
        $receipt | Test-OneStorePurchaseSignature | Should -BeTrue
    }

    It 'takes the license key from Connect-OneStore -LicenseKey, PEM armour and all' {
        $receipt = New-SignedReceipt '{"productId":"gem_100"}'
        $pem = "-----BEGIN PUBLIC KEY-----`n" + ($LicenseKey -replace '(.{64})', "`$1`n") + "`n-----END PUBLIC KEY-----"
        Connect-OneStore -Credential $Emulator.Credential -BaseUri $Emulator.BaseUri -LicenseKey $pem
        $receipt | Test-OneStorePurchaseSignature | Should -BeTrue
    }

    It 'without any key: a terminating NoLicenseKey error' {
        { New-SignedReceipt '{}' | Test-OneStorePurchaseSignature } |
            Should -Throw -ErrorId 'NoLicenseKey,OneStoreIap.Commands.TestOneStorePurchaseSignatureCommand'
    }

    It 'a malformed key or signature is an InvalidArgument error for the item, not $false' {
        $receipt = New-SignedReceipt '{"productId":"gem_100"}'
        $out = @($receipt | Test-OneStorePurchaseSignature -LicenseKey 'not-a-key' -ErrorAction SilentlyContinue -ErrorVariable keyErrors)
        $out | Should -BeNullOrEmpty
        $keyErrors[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,OneStoreIap.Commands.TestOneStorePurchaseSignatureCommand'
        $keyErrors[0].Exception.Message | Should -Not -Match 'not-a-key'

        { Test-OneStorePurchaseSignature -OriginalJson $receipt.OriginalJson -Signature '***' -LicenseKey $LicenseKey -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,OneStoreIap.Commands.TestOneStorePurchaseSignatureCommand'
    }
}

Describe 'Confirm-OneStorePurchase' {
    BeforeAll {
        Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
        function Get-Verdict([object] $Receipt, [hashtable] $With = @{}) { $Receipt | Confirm-OneStorePurchase @With }
    }
    AfterAll { Disconnect-OneStore -ErrorAction Ignore }

    It 'a valid receipt: IsValid and no reasons' {
        $verdict = Get-Verdict (Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload p1)
        $verdict.IsValid | Should -BeTrue
        $verdict.Reasons | Should -BeNullOrEmpty
    }

    It 'SignatureInvalid alone for a bad signature' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $other = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $verdict = Get-Verdict ([pscustomobject]@{ OriginalJson = $p.OriginalJson; Signature = $other.Signature })
        $verdict.IsValid | Should -BeFalse
        $verdict.Reasons | Should -Be @('SignatureInvalid')
    }

    It 'PurchaseNotFound alone for a signed receipt ONE store does not know' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $verdict = Get-Verdict (New-SignedReceipt ($p.OriginalJson -replace '"purchaseToken":"[^"]*"', '"purchaseToken":"NOSUCHTOKEN0001"'))
        $verdict.Reasons | Should -Be @('PurchaseNotFound')
    }

    It 'AlreadyConsumed alone for a consumed purchase' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $null = $p | Invoke-OneStoreConsume
        (Get-Verdict $p).Reasons | Should -Be @('AlreadyConsumed')
    }

    It 'PayloadMismatch alone when -DeveloperPayload differs' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload order-1
        (Get-Verdict $p @{ DeveloperPayload = 'order-2' }).Reasons | Should -Be @('PayloadMismatch')
    }

    It 'ClientIdMismatch alone for a signed receipt of another package' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $verdict = Get-Verdict (New-SignedReceipt $p.OriginalJson.Replace('"packageName":"com.example.game"', '"packageName":"com.example.other"'))
        $verdict.Reasons | Should -Be @('ClientIdMismatch')
    }

    It 'Cancelled alone for a refunded purchase' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $p | Revoke-OneStoreEmulatorPurchase
        (Get-Verdict $p).Reasons | Should -Be @('Cancelled')
    }

    It 'QuantityMismatch alone for a signed receipt with another quantity' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100 -Quantity 1
        (Get-Verdict (New-SignedReceipt ($p.OriginalJson -replace '"quantity":1', '"quantity":3'))).Reasons | Should -Be @('QuantityMismatch')
    }

    It 'ReceiptInvalid alone for a signed receipt that is not a JSON object' {
        (Get-Verdict (New-SignedReceipt '[1,2]')).Reasons | Should -Be @('ReceiptInvalid')
    }

    It 'a malformed license key is an InvalidArgument error with its full id' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $null = $p | Confirm-OneStorePurchase -LicenseKey 'AAAA' -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,OneStoreIap.Commands.ConfirmOneStorePurchaseCommand'
    }

    It 'its output pipes into Invoke-OneStoreConsume by property name' {
        $p = Add-OneStoreEmulatorPurchase -ProductId gem_100 -DeveloperPayload grant-7
        $result = $p | Confirm-OneStorePurchase | Where-Object IsValid | Invoke-OneStoreConsume
        $result.PurchaseToken | Should -BeExactly $p.PurchaseToken
        $result.Code | Should -BeExactly 'Success'
        (Get-OneStoreEmulatorPurchase -PurchaseToken $p.PurchaseToken).ConsumeCount | Should -Be 1
    }
}

Describe 'ConvertFrom-OneStoreNotification' {
    It 'a body that is not a PNS message is InvalidArgument, with its full id' {
        { '{"hello":1}' | ConvertFrom-OneStoreNotification -LicenseKey $LicenseKey -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,OneStoreIap.Commands.ConvertFromOneStoreNotificationCommand'
    }
}
