# Tests of the PNS receiver (PnsReceiver.psm1) against an emulator inside this pwsh process that pushes signed
# notifications to it, with duplicates, losses and reordering injected. The receiver runs as it would on a server: in
# its own runspace (a thread job), with its own connection, serving a loopback HttpListener.
# Run with: Invoke-Pester ./PnsReceiver.Tests.ps1

BeforeAll {
    Import-Module OneStoreIap
    $script:ReceiverModule = Join-Path $PSScriptRoot 'PnsReceiver.psm1'
    Import-Module $ReceiverModule -Force

    function Wait-Until {
        # Waits, within a bound, until $Condition holds; fails with $Because otherwise.
        param([scriptblock] $Condition, [string] $Because, [int] $TimeoutSec = 20)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not (& $Condition)) {
            if ($Receiver.State -in 'Failed', 'Completed', 'Stopped') { throw "The receiver ended: $(Receive-Job $Receiver -Keep 2>&1 | Out-String)" }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting until $Because." }
            Start-Sleep -Milliseconds 50
        }
    }

    # Our app, no purchases yet: every purchase the receiver hears of is one a test made.
    $seed = Join-Path $TestDrive 'seed.json'
    @{ apps = @(@{ clientId = 'com.example.game'; clientSecret = 'test-secret'; markets = @('MKT_ONE') }) } |
        ConvertTo-Json -Depth 5 | Set-Content -Path $seed -Encoding utf8

    # A free loopback port for the receiver; the emulator pushes its notifications there.
    $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $probe.Start()
    try { $port = $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    $script:Prefix = "http://127.0.0.1:$port/pns/"
    $script:Journal = Join-Path $TestDrive 'pns-journal.csv'

    $script:Emulator = Start-OneStoreEmulator -SeedPath $seed -NotificationUri $Prefix
    # This session plays the user (purchases, refunds) and runs the catch-up. No retries: failures show at once.
    Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0

    $script:Receiver = Start-ThreadJob -Name PnsReceiver -ArgumentList $ReceiverModule, $Emulator, $Prefix, $Journal -ScriptBlock {
        param($Module, $Emulator, $Prefix, $Journal)
        $ErrorActionPreference = 'Stop'
        Import-Module OneStoreIap
        Import-Module $Module
        # The emulator's connection carries the app's license key, which verifies the notifications.
        Connect-OneStore -Emulator $Emulator -MaximumRetryCount 0
        Start-PnsReceiver -Prefix $Prefix -JournalPath $Journal
    }
    Wait-Until -Because 'the receiver listens' {
        try { (Invoke-WebRequest -Uri $Prefix -TimeoutSec 2 -SkipHttpErrorCheck).StatusCode -eq 200 } catch { $false }
    }

    function Get-Handled {
        # How many times the journal says the purchase was granted (or revoked).
        param([string] $PurchaseId, [ValidateSet('Granted', 'Revoked')][string] $Action)
        if (-not (Test-Path $Journal)) { return 0 }
        @(Import-Csv $Journal | Where-Object { $_.PurchaseId -eq $PurchaseId -and $_.Action -eq $Action }).Count
    }

    function Get-Outcome {
        # What the receiver answered for these purchases so far, in order.
        param([string[]] $PurchaseId)
        @(Receive-Job $Receiver -Keep | Where-Object { $_.PurchaseId -in $PurchaseId })
    }
}

AfterAll {
    if ($Receiver) {
        $Receiver | Stop-Job
        $Receiver | Remove-Job -Force
    }
    Disconnect-OneStore
    Stop-OneStoreEmulator
}

Describe 'PnsReceiver' {
    AfterEach {
        Clear-OneStoreEmulatorFault
    }

    It 'grants each purchase and revokes each refund exactly once, though every notification comes twice' {
        $null = Add-OneStoreEmulatorNotificationFault -Kind Duplicate -Count -1
        $bought = @(1..3 | ForEach-Object { Add-OneStoreEmulatorPurchase -ProductId gem_100 })
        $null = Get-OneStoreEmulatorNotification -Wait
        $bought[0] | Revoke-OneStoreEmulatorPurchase

        $deliveries = @(Get-OneStoreEmulatorNotification -Wait | Where-Object PurchaseId -In $bought.PurchaseId)

        $deliveries.Count | Should -Be 8 -Because 'three purchases and one refund, each sent twice'
        $deliveries.State | Sort-Object -Unique | Should -Be 'Delivered'
        foreach ($p in $bought) {
            Get-Handled $p.PurchaseId Granted | Should -Be 1
            (Get-OneStoreEmulatorPurchase -PurchaseToken $p.PurchaseToken).ConsumeCount | Should -Be 1
        }
        Get-Handled $bought[0].PurchaseId Revoked | Should -Be 1
        Get-Handled $bought[1].PurchaseId Revoked | Should -Be 0
        @(Get-Outcome $bought.PurchaseId | Where-Object Action -EQ 'Duplicate').Count | Should -Be 4
    }

    It 'catches up on a lost purchase notification and a lost refund notification, once' {
        $null = Add-OneStoreEmulatorNotificationFault -Kind Drop -Count 1 -PurchaseState Completed
        $lost = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $heard = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $null = Get-OneStoreEmulatorNotification -Wait
        (Get-OneStoreEmulatorNotification -PurchaseId $lost.PurchaseId).State | Should -Be 'Dropped'
        Get-Handled $lost.PurchaseId Granted | Should -Be 0 -Because 'the receiver never heard of it'
        Get-Handled $heard.PurchaseId Granted | Should -Be 1
        $null = Add-OneStoreEmulatorNotificationFault -Kind Drop -Count 1 -PurchaseState Canceled
        $heard | Revoke-OneStoreEmulatorPurchase
        $null = Get-OneStoreEmulatorNotification -Wait
        Get-Handled $heard.PurchaseId Revoked | Should -Be 0 -Because 'the refund notification was lost'

        $sync = Sync-PnsJournal -JournalPath $Journal

        $sync.Granted | Should -Be 1
        $sync.Revoked | Should -Be 1
        Get-Handled $lost.PurchaseId Granted | Should -Be 1
        (Get-OneStoreEmulatorPurchase -PurchaseToken $lost.PurchaseToken).ConsumeCount | Should -Be 1
        Get-Handled $heard.PurchaseId Revoked | Should -Be 1
        $again = Sync-PnsJournal -JournalPath $Journal
        $again.Granted | Should -Be 0
        $again.Revoked | Should -Be 0
    }

    It 'handles every purchase and refund exactly once through duplicates, losses and reordering, with the catch-up' {
        # Purchases 1-2 are sent twice, 3-4 never, 5 after 6. Refunds: 1's never, 3's twice, 5's once.
        $null = Add-OneStoreEmulatorNotificationFault -Kind Duplicate -Count 2 -PurchaseState Completed
        $null = Add-OneStoreEmulatorNotificationFault -Kind Drop -Count 2 -PurchaseState Completed
        $null = Add-OneStoreEmulatorNotificationFault -Kind Reorder -Count 1 -PurchaseState Completed
        $p = @(1..6 | ForEach-Object { Add-OneStoreEmulatorPurchase -ProductId gem_100 })
        $null = Get-OneStoreEmulatorNotification -Wait
        $null = Add-OneStoreEmulatorNotificationFault -Kind Drop -Count 1 -PurchaseState Canceled
        $null = Add-OneStoreEmulatorNotificationFault -Kind Duplicate -Count 1 -PurchaseState Canceled
        $p[0], $p[2], $p[4] | Revoke-OneStoreEmulatorPurchase
        $null = Get-OneStoreEmulatorNotification -Wait

        $sync = Sync-PnsJournal -JournalPath $Journal

        $sync.Granted | Should -Be 1 -Because 'purchase 4 was never notified; purchase 3 was refunded before anything granted it'
        $sync.Revoked | Should -Be 1 -Because "purchase 1's refund was never notified"
        foreach ($i in 0, 1, 3, 4, 5) { Get-Handled $p[$i].PurchaseId Granted | Should -Be 1 -Because "purchase $($i + 1) is granted once" }
        foreach ($i in 0, 4) { Get-Handled $p[$i].PurchaseId Revoked | Should -Be 1 -Because "purchase $($i + 1) is revoked once" }
        foreach ($i in 1, 3, 5) { Get-Handled $p[$i].PurchaseId Revoked | Should -Be 0 }
        Get-Handled $p[2].PurchaseId Granted | Should -Be 0
        Get-Handled $p[2].PurchaseId Revoked | Should -Be 0
        $again = Sync-PnsJournal -JournalPath $Journal
        $again.Granted + $again.Revoked + $again.Consumed | Should -Be 0
    }

    It 'never grants a purchase whose refund notification comes before its purchase notification' {
        $null = Add-OneStoreEmulatorNotificationFault -Kind Reorder -Count 1 -PurchaseState Completed
        $refunded = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $refunded | Revoke-OneStoreEmulatorPurchase

        $deliveries = @(Get-OneStoreEmulatorNotification -PurchaseId $refunded.PurchaseId -Wait)

        $deliveries.State | Sort-Object -Unique | Should -Be 'Delivered'
        # The notification says COMPLETED, but ONE store, asked, says cancelled: nothing is granted or revoked.
        $outcomes = Get-Outcome $refunded.PurchaseId
        $outcomes.Action | Should -Be @('NotGranted', 'NotGranted')
        $outcomes.Detail | Should -Be @('Cancelled', 'Cancelled')
        Get-Handled $refunded.PurchaseId Granted | Should -Be 0
        Get-Handled $refunded.PurchaseId Revoked | Should -Be 0
    }

    It 'answers 503 when ONE store cannot confirm the purchase yet, and grants it once on the retry' {
        $null = Add-OneStoreEmulatorFault -Route getPurchaseDetails -StatusCode 503 -Code ServiceMaintenance -Count 1
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100

        $delivery = Get-OneStoreEmulatorNotification -PurchaseId $gem.PurchaseId -Wait

        $delivery.Statuses | Should -Be @(503, 200)
        (Get-Outcome $gem.PurchaseId).Detail | Should -Be @('ServiceMaintenance', '')
        Get-Handled $gem.PurchaseId Granted | Should -Be 1
    }

    It 'refuses a forged notification with 400 and takes a genuine one given as a body, once' {
        $gem = Add-OneStoreEmulatorPurchase -ProductId gem_100
        $genuine = (Get-OneStoreEmulatorNotification -PurchaseId $gem.PurchaseId -Wait).Body
        $forged = $genuine -replace '"purchaseState":"COMPLETED"', '"purchaseState":"CANCELED"'
        $forged | Should -Not -BeExactly $genuine

        $answer = Invoke-WebRequest -Uri $Prefix -Method Post -Body $forged -ContentType 'application/json' -SkipHttpErrorCheck

        $answer.StatusCode | Should -Be 400
        (Get-Outcome $gem.PurchaseId)[-1].Detail | Should -BeExactly 'InvalidSignature'
        Get-Handled $gem.PurchaseId Revoked | Should -Be 0

        # The function-style entry point (an HTTP-triggered function): the same message again is a duplicate.
        $outcome = Receive-PnsNotification -Body $genuine -JournalPath $Journal
        $outcome.StatusCode | Should -Be 200
        $outcome.Action | Should -BeExactly 'Duplicate'
        Get-Handled $gem.PurchaseId Granted | Should -Be 1
    }
}
