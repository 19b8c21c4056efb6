# Default views and tab completion of the enum parameters.
BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}

Describe 'Tab completion of enum parameters' {
    It 'completes <Line> with <Expected>' -TestCases @(
        @{ Line = 'Connect-OneStore -MarketCode '; Expected = @('MKT_ONE', 'MKT_GLB') }
        @{ Line = 'Connect-OneStore -MarketCode MKT_G'; Expected = @('MKT_GLB') }
        @{ Line = 'Connect-OneStore -Environment '; Expected = @('Commercial', 'Sandbox') }
        @{ Line = 'Get-OneStorePurchase -Type '; Expected = @('InApp', 'Auto', 'Subscription') }
        @{ Line = 'Get-OneStoreSubscription -Type '; Expected = @('Subscription', 'Auto') }
        @{ Line = 'Stop-OneStoreSubscription -Type A'; Expected = @('Auto') }
    ) {
        $completions = Complete $Line
        $completions | Sort-Object | Should -Be ($Expected | Sort-Object)
    }
}

Describe 'Views' {
    BeforeAll {
        # Any of the module's cmdlets registers the views with the session before it writes anything.
        $null = Get-OneStoreConnection -ErrorAction SilentlyContinue
    }

    It 'are registered by the first cmdlet that runs, not by Import-Module' {
        $script = {
            param($ModulePath)
            Import-Module $ModulePath
            $atImport = @(Get-FormatData -TypeName 'OneStoreIap.InAppPurchase').Count
            $null = Get-OneStoreConnection -ErrorAction SilentlyContinue
            $afterFirstUse = @((Get-FormatData -TypeName 'OneStoreIap.InAppPurchase').FormatViewDefinition).Count
            $null = Get-OneStoreConnection -ErrorAction SilentlyContinue
            $afterSecondUse = @((Get-FormatData -TypeName 'OneStoreIap.InAppPurchase').FormatViewDefinition).Count
            "$atImport $afterFirstUse $afterSecondUse"
        }
        $ps = [powershell]::Create()
        try {
            $result = $ps.AddScript($script).AddArgument($env:ONESTOREIAP_TEST_MODULE).Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
        } finally {
            $ps.Dispose()
        }
        $counts = "$result" -split ' '
        [int]$counts[0] | Should -Be 0
        [int]$counts[1] | Should -BeGreaterThan 0
        [int]$counts[2] | Should -Be ([int]$counts[1])
    }

    It 'format a connection with its table view' {
        $emu = Start-OneStoreEmulator
        try {
            Connect-OneStore -Emulator $emu
            $connection = Get-OneStoreConnection
            $text = $connection | Out-String
            # The table view's header row, not the list that PowerShell uses for an object without a view.
            $text | Should -Match 'ClientId\s+MarketCode\s+Environment'
        } finally {
            Disconnect-OneStore -ErrorAction SilentlyContinue
            $emu | Stop-OneStoreEmulator
        }
    }

    It 'has a default table view for <_>' -ForEach @(
        'OneStoreIap.OneStoreConnection', 'OneStoreIap.InAppPurchase', 'OneStoreIap.AutoRenewalPurchase', 'OneStoreIap.Subscription',
        'OneStoreIap.VoidedPurchase', 'OneStoreIap.UnconfirmedPurchase', 'OneStoreIap.OperationResult',
        'OneStoreIap.EmulatorInstance', 'OneStoreIap.EmulatorPurchase', 'OneStoreIap.EmulatorClock', 'OneStoreIap.EmulatorFault',
        'OneStoreIap.EmulatorCounters', 'OneStoreIap.EmulatorRequest'
    ) {
        $views = @((Get-FormatData -TypeName $_).FormatViewDefinition)
        $views | Should -Not -BeNullOrEmpty
        $views[0].Control | Should -BeOfType [System.Management.Automation.TableControl]
    }

    It 'are registered by an emulator cmdlet too, when it is the first to run' {
        $ps = [powershell]::Create()
        try {
            $result = $ps.AddScript({
                    param($ModulePath)
                    Import-Module $ModulePath
                    $emu = Start-OneStoreEmulator
                    try { ($emu | Out-String -Width 200) } finally { $emu | Stop-OneStoreEmulator }
                }).AddArgument($env:ONESTOREIAP_TEST_MODULE).Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
        } finally {
            $ps.Dispose()
        }
        # The table view's header row.
        "$result" | Should -Match 'BaseUri\s+ClientId\s+InProcess\s+IsRunning'
    }

    It 'has a list view for the wide <_>' -ForEach @('OneStoreIap.Subscription', 'OneStoreIap.AutoRenewalPurchase') {
        $lists = @((Get-FormatData -TypeName $_).FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.ListControl] })
        $lists | Should -HaveCount 1
    }

    It 'shows the <_> table whole at 120 columns: every header unclipped, no column squeezed' -ForEach @(
        'OneStoreIap.OneStoreConnection', 'OneStoreIap.InAppPurchase', 'OneStoreIap.AutoRenewalPurchase', 'OneStoreIap.Subscription',
        'OneStoreIap.VoidedPurchase', 'OneStoreIap.UnconfirmedPurchase', 'OneStoreIap.OperationResult'
    ) {
        $typeName = $_
        $view = @((Get-FormatData -TypeName $typeName).FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] })[0]
        $labels = @($view.Control.Headers | ForEach-Object Label)
        $time = [DateTimeOffset]::new(2026, 11, 28, 23, 59, 59, [TimeSpan]::FromHours(9))
        $emu = $null
        try {
            $sample = switch ($typeName) {
                'OneStoreIap.OneStoreConnection' { $emu = Start-OneStoreEmulator; Connect-OneStore -Emulator $emu -PassThru }
                'OneStoreIap.VoidedPurchase' { [OneStoreIap.VoidedPurchase]@{ PurchaseToken = 'TOKEN-0123456789ABCD'; PurchaseId = '26112812345678901234'; PurchaseTime = $time; VoidedTime = $time; MarketCode = 'MKT_ONE' } }
                'OneStoreIap.UnconfirmedPurchase' { [OneStoreIap.UnconfirmedPurchase]@{ Type = 'Subscription'; ProductId = 'premium_monthly_2026'; PurchaseToken = 'TOKEN-0123456789ABCD'; PurchaseState = 'Cancelled'; PurchaseTime = $time; Quantity = 10; MarketCode = 'MKT_GLB' } }
                'OneStoreIap.OperationResult' { [OneStoreIap.OperationResult]@{ Operation = 'Acknowledge'; ProductId = 'premium_monthly_2026'; PurchaseToken = 'TOKEN-0123456789ABCD'; Code = 'InvalidPurchaseState'; AlreadyApplied = $true; OperationTime = $time } }
                default {
                    $o = New-Object $typeName
                    $o.ProductId = 'premium_monthly_2026'; $o.PurchaseToken = 'TOKEN-0123456789ABCD'; $o.PurchaseTime = $time; $o.StartTime = $time
                    $o.ExpiryTime = $time; $o.NextPaymentTime = $time; $o.AcknowledgeState = 'NotAcknowledged'; $o.PurchaseState = 'Cancelled'
                    $o.PaymentState = 'NotCompleted'; $o.IsEntitled = $false
                    $o
                }
            }
            $text = $sample | Format-Table | Out-String -Width 120
        } finally {
            if ($emu) { Disconnect-OneStore; $emu | Stop-OneStoreEmulator }
        }
        $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
        $header = $lines[0]
        $rule = $lines[1]
        $header.Length | Should -BeLessOrEqual 120
        # one dashed rule per column, the whole label's length; each column at least 8 wide (where the next one starts)
        $rules = @([regex]::Matches($rule, '-+'))
        $rules | Should -HaveCount $labels.Count -Because $text
        for ($i = 0; $i -lt $labels.Count; $i++) {
            $header | Should -Match "(^|\s)$([regex]::Escape($labels[$i]))(\s|$)" -Because "the header '$($labels[$i])' is whole in: $text"
            $rules[$i].Length | Should -Be $labels[$i].Length -Because $text
            if ($i -lt $labels.Count - 1) {
                ($rules[$i + 1].Index - $rules[$i].Index - 1) | Should -BeGreaterOrEqual ([Math]::Max($labels[$i].Length, 8)) -Because $text
            }
        }
        $text | Should -Not -Match '…' -Because "no value of the sample is cut: $text"
    }
}
