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
    It 'has a default table view for <_>' -ForEach @(
        'OneStoreIap.OneStoreConnection', 'OneStoreIap.InAppPurchase', 'OneStoreIap.AutoRenewalPurchase', 'OneStoreIap.Subscription',
        'OneStoreIap.VoidedPurchase', 'OneStoreIap.UnconfirmedPurchase', 'OneStoreIap.OperationResult'
    ) {
        $views = @((Get-FormatData -TypeName $_).FormatViewDefinition)
        $views | Should -Not -BeNullOrEmpty
        $views[0].Control | Should -BeOfType [System.Management.Automation.TableControl]
    }

    It 'has a list view for the wide <_>' -ForEach @('OneStoreIap.Subscription', 'OneStoreIap.AutoRenewalPurchase') {
        $lists = @((Get-FormatData -TypeName $_).FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.ListControl] })
        $lists | Should -HaveCount 1
    }
}
