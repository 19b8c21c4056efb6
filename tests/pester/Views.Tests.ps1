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
        'OneStoreIap.EmulatorInstance', 'OneStoreIap.EmulatorPurchase', 'OneStoreIap.EmulatorClock', 'OneStoreIap.EmulatorFault'
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
}
