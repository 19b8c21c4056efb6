# Long runs show progress (items done, pages and rows fetched) that $ProgressPreference silences.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator
    $script:app = New-TestApp -Emulator $emu -Markets MKT_ONE
    $script:conn = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri -PassThru
    $tokens = @((Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
                clientId = $app.ClientId; productId = 'progress_item'; type = 'inapp'; marketCode = 'MKT_ONE'; count = 40
            }).purchaseTokens)
    $script:items = foreach ($t in $tokens) { [pscustomobject]@{ ProductId = 'progress_item'; PurchaseToken = $t } }
    $null = Invoke-EmulatorControl -Emulator $emu -Path 'purchases/bulk' -Method POST -Body @{
        clientId = $app.ClientId; productId = 'progress_void'; type = 'inapp'; marketCode = 'MKT_ONE'; count = 30; voided = $true
    }

    # Runs a script in a new runspace with the connection and items, and returns its progress records and output.
    function Invoke-WithProgress {
        param([string] $Script, [string] $Preference = 'Continue')
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$($env:ONESTOREIAP_TEST_MODULE)'; `$ProgressPreference = '$Preference'; $Script")
            $ps.Runspace.SessionStateProxy.SetVariable('conn', $conn)
            $ps.Runspace.SessionStateProxy.SetVariable('items', $items)
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = @($output); Progress = @($ps.Streams.Progress); Errors = @($ps.Streams.Error) }
        } finally { $ps.Dispose() }
    }
}

AfterAll {
    Clear-EmulatorFault -Emulator $emu
    $script:emu | Stop-TestEmulator
}

Describe 'Per-item cmdlets' {
    BeforeEach { Clear-EmulatorFault -Emulator $emu }

    It 'report the items done during a run that lasts more than a second, then complete the record' {
        # 40 lookups one at a time, 60 ms each: about 2.4 s.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60 }
        $run = Invoke-WithProgress '$items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 1'
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -HaveCount 40
        $mine = @($run.Progress | Where-Object Activity -EQ 'Get-OneStorePurchase')
        $mine.Count | Should -BeGreaterThan 1
        $mine[0].StatusDescription | Should -Match '^\d+ item\(s\) done'
        $mine[-1].RecordType | Should -Be 'Completed'
    }

    It 'show nothing when $ProgressPreference is SilentlyContinue' {
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getPurchaseDetails'; latencyMs = 60 }
        $run = Invoke-WithProgress '$items | Get-OneStorePurchase -Connection $conn -ThrottleLimit 1' -Preference SilentlyContinue
        $run.Output | Should -HaveCount 40
        $run.Progress | Should -BeNullOrEmpty
    }
}

Describe 'List cmdlets' {
    BeforeEach { Clear-EmulatorFault -Emulator $emu }

    It 'report pages and rows fetched during a listing that lasts more than a second, then complete the record' {
        # 10 pages of 3, 250 ms each: about 2.5 s.
        $null = Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; latencyMs = 250 }
        $run = Invoke-WithProgress 'Get-OneStoreVoidedPurchase -Connection $conn -PageSize 3'
        $run.Output | Should -HaveCount 30
        $mine = @($run.Progress | Where-Object Activity -EQ 'Listing voided purchases')
        $status = @($mine | Where-Object RecordType -NE 'Completed' | ForEach-Object StatusDescription)
        $status.Count | Should -BeGreaterThan 0
        # A few a second, not one per page.
        $status.Count | Should -BeLessThan 10
        $status[-1] | Should -Match '^\d+ page\(s\), \d+ purchase\(s\)$'
        $mine[-1].RecordType | Should -Be 'Completed'
    }

    It 'show nothing for a listing shorter than a second' {
        $run = Invoke-WithProgress 'Get-OneStoreVoidedPurchase -Connection $conn -PageSize 10'
        $run.Output | Should -HaveCount 30
        @($run.Progress | Where-Object Activity -EQ 'Listing voided purchases') | Should -BeNullOrEmpty
    }

    It 'show nothing when $ProgressPreference is SilentlyContinue' {
        $run = Invoke-WithProgress 'Get-OneStoreVoidedPurchase -Connection $conn -PageSize 10' -Preference SilentlyContinue
        $run.Output | Should -HaveCount 30
        $run.Progress | Should -BeNullOrEmpty
    }
}
