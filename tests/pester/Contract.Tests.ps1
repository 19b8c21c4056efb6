# The cmdlets' public shape: names, parameters, pipeline binding, output types and ShouldProcess support.
BeforeDiscovery {
    $script:perItem = @(
        @{ Name = 'Get-OneStorePurchase'; Changes = $false; Output = 'OneStoreIap.InAppPurchase' }
        @{ Name = 'Get-OneStoreSubscription'; Changes = $false; Output = 'OneStoreIap.Subscription' }
        @{ Name = 'Invoke-OneStoreAcknowledge'; Changes = $true; Output = 'OneStoreIap.OperationResult' }
        @{ Name = 'Invoke-OneStoreConsume'; Changes = $true; Output = 'OneStoreIap.OperationResult' }
        @{ Name = 'Stop-OneStoreSubscription'; Changes = $true; Output = 'OneStoreIap.OperationResult' }
        @{ Name = 'Resume-OneStoreSubscription'; Changes = $true; Output = 'OneStoreIap.OperationResult' }
        @{ Name = 'Set-OneStoreSubscription'; Changes = $true; Output = 'OneStoreIap.OperationResult' }
    )
    $script:lists = @(
        @{ Name = 'Get-OneStoreVoidedPurchase'; Output = 'OneStoreIap.VoidedPurchase' }
        @{ Name = 'Get-OneStoreUnconfirmedPurchase'; Output = 'OneStoreIap.UnconfirmedPurchase' }
    )
}

BeforeAll {
    Import-Module $env:ONESTOREIAP_TEST_MODULE -Force
}

Describe 'The exported commands' {
    It 'are exactly the API cmdlets and the emulator cmdlets' {
        $names = (Get-Command -Module OneStoreIap).Name | Sort-Object
        $names | Should -Be (@(
                'Connect-OneStore', 'Disconnect-OneStore', 'Get-OneStoreConnection', 'Get-OneStorePurchase', 'Get-OneStoreSubscription',
                'Invoke-OneStoreAcknowledge', 'Invoke-OneStoreConsume', 'Stop-OneStoreSubscription', 'Resume-OneStoreSubscription',
                'Set-OneStoreSubscription', 'Get-OneStoreVoidedPurchase', 'Sync-OneStoreVoidedPurchase', 'Get-OneStoreUnconfirmedPurchase', 'Invoke-OneStoreRequest',
                'Start-OneStoreEmulator', 'Stop-OneStoreEmulator', 'Add-OneStoreEmulatorPurchase', 'Get-OneStoreEmulatorPurchase',
                'Revoke-OneStoreEmulatorPurchase', 'Set-OneStoreEmulatorClock', 'Add-OneStoreEmulatorFault', 'Clear-OneStoreEmulatorFault',
                'Test-OneStorePurchaseSignature', 'Confirm-OneStorePurchase', 'ConvertFrom-OneStoreNotification',
                'Get-OneStoreEmulatorNotification', 'Add-OneStoreEmulatorNotificationFault',
                'Reset-OneStoreEmulator', 'Get-OneStoreEmulatorCounter', 'Get-OneStoreEmulatorRequest', 'Add-OneStoreEmulatorApp'
            ) | Sort-Object)
    }

    It 'are compiled cmdlets whose classes are named OneStoreIap.Commands.{Verb}{Noun}Command' {
        foreach ($command in Get-Command -Module OneStoreIap) {
            $command.CommandType | Should -Be 'Cmdlet'
            $command.ImplementingType.FullName | Should -BeExactly "OneStoreIap.Commands.$($command.Verb)$($command.Noun)Command"
        }
    }
}

Describe '<Name> (per item)' -ForEach $perItem {
    BeforeAll {
        $script:command = Get-Command $Name
    }

    It 'binds ProductId and PurchaseToken by property name, mandatory' {
        foreach ($parameter in 'ProductId', 'PurchaseToken') {
            $attributes = @($command.Parameters[$parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            $attributes | Should -Not -BeNullOrEmpty -Because "$Name has -$parameter"
            $attributes | ForEach-Object { $_.ValueFromPipelineByPropertyName | Should -BeTrue }
            $attributes | ForEach-Object { $_.Mandatory | Should -BeTrue }
        }
    }

    It 'never asks for a client id: it comes from the connection' {
        $command.Parameters.Keys | Should -Not -Contain 'ClientId'
        $command.Parameters.Keys | Should -Contain 'Connection'
    }

    It 'takes -ThrottleLimit 1..64' {
        $range = @($command.Parameters['ThrottleLimit'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] })
        $range | Should -HaveCount 1
        $range[0].MinRange | Should -Be 1
        $range[0].MaxRange | Should -Be 64
    }

    It 'declares its output type' {
        $command.OutputType.Name | Should -Contain $Output
    }

    It 'supports -WhatIf and -Confirm when it changes something' {
        $supports = $command.Parameters.ContainsKey('WhatIf') -and $command.Parameters.ContainsKey('Confirm')
        $supports | Should -Be $Changes
    }
}

Describe '<Name> (list)' -ForEach $lists {
    It 'takes -StartTime and -EndTime as DateTimeOffset (a DateTime converts) and -PageSize 1..100' {
        $command = Get-Command $Name
        $command.Parameters['StartTime'].ParameterType | Should -Be ([DateTimeOffset])
        $command.Parameters['EndTime'].ParameterType | Should -Be ([DateTimeOffset])
        $range = @($command.Parameters['PageSize'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] })
        $range[0].MinRange | Should -Be 1
        $range[0].MaxRange | Should -Be 100
        $command.OutputType.Name | Should -Contain $Output
    }
}

Describe 'Connect-OneStore parameter sets' {
    It 'has the secret and credential sets, each with an -Environment and a -BaseUri variant, and the emulator set' {
        $all = (Get-Command Connect-OneStore).ParameterSets
        $all | Should -HaveCount 5
        $emulatorSet = @($all | Where-Object { $_.Parameters.Name -contains 'Emulator' })
        $emulatorSet | Should -HaveCount 1
        $emulatorSet[0].Parameters.Name | Should -Not -Contain 'ClientSecret'
        $emulatorSet[0].Parameters.Name | Should -Not -Contain 'BaseUri'
        $sets = $all | Where-Object { $_.Parameters.Name -notcontains 'Emulator' }
        foreach ($set in $sets) {
            $names = $set.Parameters.Name
            (($names -contains 'ClientSecret') -xor ($names -contains 'Credential')) | Should -BeTrue -Because $set.Name
            (($names -contains 'Environment') -xor ($names -contains 'BaseUri')) | Should -BeTrue -Because $set.Name
            $names | Should -Contain 'MarketCode'
            $names | Should -Contain 'PassThru'
        }
    }

    It 'takes the secret only as a SecureString or a PSCredential' {
        $command = Get-Command Connect-OneStore
        $command.Parameters['ClientSecret'].ParameterType | Should -Be ([securestring])
        $command.Parameters['Credential'].ParameterType | Should -Be ([pscredential])
    }
}
