# Sync-OneStoreVoidedPurchase (a refund sync that loses nothing across runs, failures and restarts), listings that
# resume with -ContinuationKey, and the window checks of the list cmdlets. Against the standalone emulator, with its
# clock and faults.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:emu = Start-TestEmulator

    function New-SyncApp {
        # A fresh app and its connection: the lists hold exactly what the test makes.
        $app = New-TestApp -Emulator $emu -Markets MKT_ONE
        $connection = Connect-OneStore -ClientId $app.ClientId -ClientSecret $app.SecureSecret -BaseUri $emu.BaseUri `
            -RetryBaseDelaySec 0.01 -MaximumRetryCount 1 -PassThru
        $app | Add-Member -NotePropertyName Connection -NotePropertyValue $connection -PassThru
    }

    function New-Refund {
        # A user buys, then gets a refund: the purchase is voided at $VoidedAgo before the emulator's now.
        param($App, [string] $BoughtAgo = '-3h', [string] $VoidedAgo = '-1h')
        # Acknowledged, so that the 3-day auto-cancel of unacknowledged purchases does not void it first.
        $p = New-TestPurchase -Emulator $emu -App $App -Property @{ purchaseTime = $BoughtAgo; acknowledged = $true }
        $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($p.purchaseToken)/void" -Method POST -Body @{ voidedTime = $VoidedAgo }
        $p.purchaseToken
    }

    function Move-EmulatorClock {
        param([hashtable] $By)
        $null = Invoke-EmulatorControl -Emulator $emu -Path 'clock/advance' -Method POST -Body $By
    }

    function Get-FileText { param([string] $Path) [IO.File]::ReadAllText($Path) }

    function Invoke-ChildSync {
        # Starts one sync in another pwsh process (with $Environment set there); returns the process and its output.
        param($App, [string] $StatePath, [hashtable] $Environment = @{}, [string] $Extra = '')
        $child = Start-TestPwsh -Environment $Environment -Script @"
`$secret = ConvertTo-SecureString '$($App.ClientSecret)' -AsPlainText -Force
Connect-OneStore -ClientId '$($App.ClientId)' -ClientSecret `$secret -BaseUri '$($emu.BaseUri)' -RetryBaseDelaySec 0.01
Sync-OneStoreVoidedPurchase -StatePath '$StatePath' $Extra | ForEach-Object { 'TOKEN ' + `$_.PurchaseToken }
"@
        $child.Process
        $child
    }
}

AfterAll {
    Get-OneStoreConnection -ErrorAction SilentlyContinue | Out-Null
    $script:emu | Stop-TestEmulator
}

Describe 'Sync-OneStoreVoidedPurchase over 30 nights' {
    # An emulator of its own: its clock moves 30 days.
    BeforeAll { $script:shared = $emu; $script:emu = Start-TestEmulator }
    AfterAll { $emu | Stop-TestEmulator; $script:emu = $shared }

    It 'emits every refund exactly once, in voidedTime order, as the clock moves a day a night' {
        $app = New-SyncApp
        $state = Join-Path $TestDrive 'nights.json'
        $random = [Random]::new(15)
        $expected = [Collections.Generic.List[string]]::new()
        $emitted = [Collections.Generic.List[string]]::new()
        $late = 0
        for ($night = 1; $night -le 30; $night++) {
            Move-EmulatorClock @{ days = 1 }
            # Users buy during the day; some purchases are refunded later that day.
            $buys = $random.Next(3, 8)
            for ($i = 0; $i -lt $buys; $i++) {
                $boughtMinutes = $random.Next(120, 1400)
                $p = New-TestPurchase -Emulator $emu -App $app -Property @{ purchaseTime = "-$($boughtMinutes)m"; acknowledged = $true }
                if ($random.NextDouble() -lt 0.4) {
                    $voided = $random.Next(1, $boughtMinutes)
                    $null = Invoke-EmulatorControl -Emulator $emu -Path "purchases/$($p.purchaseToken)/void" -Method POST -Body @{ voidedTime = "-$($voided)m" }
                    $expected.Add($p.purchaseToken)
                }
            }
            if ($night % 5 -eq 0) {
                # A refund that reaches the list late: voided a few minutes before the last run's watermark.
                $expected.Add((New-Refund -App $app -BoughtAgo '-2d' -VoidedAgo '-1d4m'))
                $late++
            }
            $tonight = @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection)
            $times = @($tonight | ForEach-Object VoidedTimeMillis)
            ($times -join ',') | Should -Be (($times | Sort-Object) -join ',') -Because "night $night emits in voidedTime order"
            foreach ($row in $tonight) { $emitted.Add($row.PurchaseToken) }
        }

        $late | Should -Be 6
        $expected.Count | Should -BeGreaterThan 40
        @($emitted | Group-Object | Where-Object Count -GT 1) | Should -HaveCount 0 -Because 'no refund is emitted twice'
        ($emitted | Sort-Object) -join ',' | Should -Be (($expected | Sort-Object) -join ',')
        $saved = Get-Content $state -Raw | ConvertFrom-Json
        $saved.emittedTotal | Should -Be $expected.Count
        Write-Information "30 nights: $($expected.Count) refunds ($late late), $($emitted.Count) emitted, 0 twice" -InformationAction Continue
    }
}

Describe 'Sync-OneStoreVoidedPurchase runs that stop part-way' {
    # An emulator of its own: its clock moves on after each first run.
    BeforeAll { $script:shared = $emu; $script:emu = Start-TestEmulator }
    AfterAll { $emu | Stop-TestEmulator; $script:emu = $shared }
    BeforeEach {
        $script:app = New-SyncApp
        $script:state = Join-Path $TestDrive ([guid]::NewGuid().ToString('n') + '.json')
        # One completed run first, so there is a state to keep.
        $script:first = @(1..2 | ForEach-Object { New-Refund -App $app -VoidedAgo "-$(103 - $_)m" })
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection).PurchaseToken | Should -Be $first
        $script:before = Get-FileText $state
        Move-EmulatorClock @{ hours = 2 }
        $script:pending = @(1..7 | ForEach-Object { New-Refund -App $app -VoidedAgo "-$(60 - $_)m" })
    }
    AfterEach { Clear-EmulatorFault -Emulator $emu }

    It 'Select-Object -First 3 leaves the state as it was; the next run emits all seven' {
        $some = @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection | Select-Object -First 3)
        $some.PurchaseToken | Should -Be $pending[0..2]
        Get-FileText $state | Should -BeExactly $before
        Test-Path "$state.lock" | Should -BeFalse
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection).PurchaseToken | Should -Be $pending
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection) | Should -HaveCount 0
    }

    It 'a page failing after its retries leaves the state as it was; the next run emits all seven' {
        Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; status = 503; code = 'ServiceMaintenance'; skip = 1 }
        $err = Get-ThrownError { Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection -PageSize 3 }
        $err.FullyQualifiedErrorId | Should -Be 'ServiceMaintenance,OneStoreIap.Commands.SyncOneStoreVoidedPurchaseCommand'
        $err.Exception.ResumeFrom.ContinuationKey | Should -Not -BeNullOrEmpty
        Get-FileText $state | Should -BeExactly $before
        Clear-EmulatorFault -Emulator $emu
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection -PageSize 3).PurchaseToken | Should -Be $pending
    }

    It 'a run stopped (Ctrl+C) while a page is in flight leaves the state as it was' {
        Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; latencyMs = 20000; skip = 1 }
        $pages = Get-EmulatorCounter -Emulator $emu -Route getVoidedPurchases
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($module, $connection, $path)
                Import-Module $module
                Sync-OneStoreVoidedPurchase -StatePath $path -Connection $connection -PageSize 3
            }).AddArgument($env:ONESTOREIAP_TEST_MODULE).AddArgument($app.Connection).AddArgument($state)
        $running = $ps.BeginInvoke()
        # Stop once the slow second page has been asked for.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline -and (Get-EmulatorCounter -Emulator $emu -Route getVoidedPurchases) -lt $pages + 2) {
            Start-Sleep -Milliseconds 20
        }
        $ps.Stop()
        $running.IsCompleted | Should -BeTrue
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $ps.Dispose()
        Get-FileText $state | Should -BeExactly $before
        Clear-EmulatorFault -Emulator $emu
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection).PurchaseToken | Should -Be $pending
    }

    It 'a crash between writing the new state and renaming it leaves the old state readable; the next run emits all seven' {
        $child, $streams = Invoke-ChildSync -App $app -StatePath $state -Environment @{ ONESTOREIAP_TEST_CRASH_POINT = 'BeforeStateRename' }
        $child.WaitForExit(60000) | Should -BeTrue
        $child.ExitCode | Should -Not -Be 0
        @($streams.Output.Result -split "`n" | Where-Object { $_ -like 'TOKEN *' }) | Should -HaveCount 7 -Because 'the crashed run had emitted them'
        Get-FileText $state | Should -BeExactly $before
        (Get-FileText $state | ConvertFrom-Json).version | Should -Be 1
        Test-Path "$state.new" | Should -BeTrue -Because 'the crash left its unfinished write'
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection).PurchaseToken | Should -Be $pending
        Test-Path "$state.new" | Should -BeFalse
    }
}

Describe 'Sync-OneStoreVoidedPurchase gaps and refusals' {
    BeforeAll {
        $script:app = New-SyncApp
        $script:reachable = @(1..3 | ForEach-Object { New-Refund -App $app -BoughtAgo "-$($_ * 5)d" -VoidedAgo "-$($_ * 5 - 1)d" })
        $now = [long](Invoke-EmulatorControl -Emulator $emu -Path clock).nowMillis
        $script:newState = {
            param([string] $ClientId = $app.ClientId, [long] $Watermark = $now)
            [ordered]@{
                kind = 'OneStoreIap.VoidedPurchaseSync'; version = 1; clientId = $ClientId; marketCode = 'MKT_ONE'; environment = 'Custom'
                watermarkMillis = $Watermark; overlapSeconds = 600; emittedTotal = 0; seen = @()
            } | ConvertTo-Json
        }
    }

    It 'a watermark 40 days old gets a warning naming the interval that can no longer be read, and still emits all that is reachable' {
        $state = Join-Path $TestDrive 'old.json'
        $now = [long](Invoke-EmulatorControl -Emulator $emu -Path clock).nowMillis
        $watermark = $now - 40 * 86400000
        & $newState -Watermark $watermark | Set-Content $state
        $rows = @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection -WarningVariable warnings -WarningAction SilentlyContinue)
        ($rows.PurchaseToken | Sort-Object) | Should -Be ($reachable | Sort-Object)
        $warnings | Should -HaveCount 1
        $from = [DateTimeOffset]::FromUnixTimeMilliseconds($watermark - 600000).ToString("yyyy-MM-dd'T'HH:mm")
        "$($warnings[0])" | Should -Match ([regex]::Escape($from))
        "$($warnings[0])" | Should -Match 'can no longer be read'
    }

    It 'refuses the state file of another app, and leaves it as it was' {
        $state = Join-Path $TestDrive 'other.json'
        & $newState -ClientId 'com.example.other' | Set-Content $state
        $text = Get-FileText $state
        $err = Get-ThrownError { Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection }
        $err.FullyQualifiedErrorId | Should -Be 'SyncStateMismatch,OneStoreIap.Commands.SyncOneStoreVoidedPurchaseCommand'
        "$err" | Should -Match 'com\.example\.other'
        Get-FileText $state | Should -BeExactly $text
    }

    It 'refuses a corrupt state file with a clear error, and overwrites nothing' {
        $state = Join-Path $TestDrive 'corrupt.json'
        Set-Content $state '{ "kind": "OneStoreIap.VoidedPurchaseSync", "version": 1, "clientId": '
        $text = Get-FileText $state
        $err = Get-ThrownError { Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection }
        $err.FullyQualifiedErrorId | Should -Be 'SyncStateCorrupt,OneStoreIap.Commands.SyncOneStoreVoidedPurchaseCommand'
        "$err" | Should -Match 'left as it is'
        Get-FileText $state | Should -BeExactly $text
        Test-Path "$state.new" | Should -BeFalse
    }

    It 'a second run on one state file fails at once while the first holds the lock' {
        $state = Join-Path $TestDrive 'busy.json'
        Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; latencyMs = 20000; count = 1 }
        try {
            $child, $streams = Invoke-ChildSync -App $app -StatePath $state
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ([DateTime]::UtcNow -lt $deadline -and -not (Test-Path "$state.lock")) { Start-Sleep -Milliseconds 20 }
            Test-Path "$state.lock" | Should -BeTrue
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = Get-ThrownError { Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection }
            $err.FullyQualifiedErrorId | Should -Be 'SyncStateLocked,OneStoreIap.Commands.SyncOneStoreVoidedPurchaseCommand'
            "$err" | Should -Match ([regex]::Escape("$state.lock"))
            $err.TargetObject | Should -Be $state
        } finally {
            if ($child -and -not $child.HasExited) { $child.Kill($true) }
            Clear-EmulatorFault -Emulator $emu
        }
        # The killed run's lock file is left behind, and does not block.
        $child.WaitForExit(10000) | Should -BeTrue
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection).Count | Should -Be $reachable.Count
    }

    It 'a lock file left by a crashed run does not block' {
        $state = Join-Path $TestDrive 'stale.json'
        Set-Content "$state.lock" 'process 99999 on elsewhere since 2026-01-01T00:00:00Z'
        @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection).Count | Should -Be $reachable.Count
        Test-Path "$state.lock" | Should -BeFalse
    }

    It 'says where it resumed and how far it got with -Verbose' {
        $state = Join-Path $TestDrive 'verbose.json'
        $null = Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection
        $lines = @(Sync-OneStoreVoidedPurchase -StatePath $state -Connection $app.Connection -Verbose 4>&1 | ForEach-Object { "$_" })
        $lines -join "`n" | Should -Match "Resuming '.*verbose\.json' after its watermark"
        $lines -join "`n" | Should -Match 'Completed: 0 emitted'
    }
}

Describe 'Listings that resume with -ContinuationKey' {
    BeforeAll {
        $script:app = New-SyncApp
        $script:tokens = @(1..10 | ForEach-Object { New-Refund -App $app -VoidedAgo "-$(200 - $_)m" })
        $script:end = [DateTimeOffset]::FromUnixTimeMilliseconds([long](Invoke-EmulatorControl -Emulator $emu -Path clock).nowMillis)
        $script:window = @{ StartTime = $end.AddDays(-1); EndTime = $end; PageSize = 3; Connection = $app.Connection }
    }
    AfterEach { Clear-EmulatorFault -Emulator $emu }

    It 'a failed page''s error states the key and window to resume from, and the resumed listing yields exactly the rest' {
        $unbroken = @(Get-OneStoreVoidedPurchase @window)
        $unbroken.PurchaseToken | Should -Be $tokens

        Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; status = 503; code = 'ServiceMaintenance'; skip = 2 }
        $got = [Collections.Generic.List[object]]::new()
        $err = Get-ThrownError { Get-OneStoreVoidedPurchase @window | ForEach-Object { $got.Add($_) } }
        $err.FullyQualifiedErrorId | Should -Be 'ServiceMaintenance,OneStoreIap.Commands.GetOneStoreVoidedPurchaseCommand'
        $from = $err.Exception.ResumeFrom
        $from.ContinuationKey | Should -Not -BeNullOrEmpty
        $err.TargetObject | Should -Be $from.ContinuationKey
        "$err" | Should -Match ([regex]::Escape("-ContinuationKey '$($from.ContinuationKey)'"))
        $from.StartTimeMillis | Should -Be $window.StartTime.ToUnixTimeMilliseconds()
        $got | Should -HaveCount 6
        Clear-EmulatorFault -Emulator $emu

        $rest = @(Get-OneStoreVoidedPurchase @window -ContinuationKey $from.ContinuationKey)
        (@($got) + $rest).PurchaseToken | Should -Be $unbroken.PurchaseToken
    }

    It 'a listing begun near the one-month limit continues after the limit has passed it' {
        # An emulator of its own: its clock moves.
        $shared = $emu
        $script:emu = Start-TestEmulator
        try {
            $app = New-SyncApp
            $tokens = @(1..10 | ForEach-Object { New-Refund -App $app -VoidedAgo "-$(200 - $_)m" })
            $end = [DateTimeOffset]::FromUnixTimeMilliseconds([long](Invoke-EmulatorControl -Emulator $emu -Path clock).nowMillis)
        $window2 = @{ StartTime = $end.AddDays(-30); EndTime = $end; PageSize = 4; Connection = $app.Connection }
        $page = @(Get-OneStoreVoidedPurchase @window2 | Select-Object -First 4)
        $page | Should -HaveCount 4
        # The key of the next page, as a failed page's error would state it.
        Add-EmulatorFault -Emulator $emu -Fault @{ route = 'getVoidedPurchases'; status = 503; code = 'ServiceMaintenance'; skip = 1 }
        $err = Get-ThrownError { Get-OneStoreVoidedPurchase @window2 }
        Clear-EmulatorFault -Emulator $emu
        Move-EmulatorClock @{ days = 3 }
        $rest = @(Get-OneStoreVoidedPurchase @window2 -ContinuationKey $err.Exception.ResumeFrom.ContinuationKey)
        (@($page) + $rest).PurchaseToken | Should -Be $tokens
        } finally {
            $emu | Stop-TestEmulator
            $script:emu = $shared
        }
    }
}

Describe 'List windows the API accepts' -ForEach @(
    @{ Cmdlet = 'Get-OneStoreVoidedPurchase' }
    @{ Cmdlet = 'Get-OneStoreUnconfirmedPurchase' }
) {
    BeforeAll {
        $script:app = New-SyncApp
        $script:type = (Get-Command $Cmdlet).ImplementingType.FullName
        $script:route = if ($Cmdlet -like '*Voided*') { 'getVoidedPurchases' } else { 'getUnconfirmedPurchases' }
    }

    It '<Cmdlet> accepts a start of exactly one month ago: (Get-Date).AddMonths(-1) and .AddDays(-30)' {
        { & $Cmdlet -StartTime (Get-Date).AddMonths(-1) -Connection $app.Connection -ErrorAction Stop } | Should -Not -Throw
        { & $Cmdlet -StartTime (Get-Date).AddDays(-30) -Connection $app.Connection -ErrorAction Stop } | Should -Not -Throw
        { & $Cmdlet -StartTime ([DateTimeOffset]::UtcNow.AddMonths(-1)) -EndTime ([DateTimeOffset]::UtcNow) -Connection $app.Connection -ErrorAction Stop } | Should -Not -Throw
    }

    It '<Cmdlet> refuses a start more than a month back, before sending, with a message that states the rule' {
        $before = Get-EmulatorCounter -Emulator $emu -Route $route
        $err = Get-ThrownError { & $Cmdlet -StartTime (Get-Date).AddDays(-40) -Connection $app.Connection }
        $err.FullyQualifiedErrorId | Should -Be "InvalidTimeRange,$type"
        "$err" | Should -Match 'at most one month back'
        Get-EmulatorCounter -Emulator $emu -Route $route | Should -Be $before
    }

    It '<Cmdlet> refuses an end in the future and a start after the end' {
        $err = Get-ThrownError { & $Cmdlet -EndTime (Get-Date).AddDays(1) -Connection $app.Connection }
        $err.FullyQualifiedErrorId | Should -Be "InvalidTimeRange,$type"
        "$err" | Should -Match 'in the future'
        $err = Get-ThrownError { & $Cmdlet -StartTime (Get-Date).AddDays(-1) -EndTime (Get-Date).AddDays(-2) -Connection $app.Connection }
        $err.FullyQualifiedErrorId | Should -Be "InvalidTimeRange,$type"
        "$err" | Should -Match 'start must come before its end'
    }
}
