@{
    RootModule           = 'OneStoreIap.dll'
    # Imported first: makes the engine and its dependencies loadable from dependencies/ before the cmdlets are read.
    NestedModules        = @('OneStoreIap.Loader.dll')
    ModuleVersion        = '0.0.0'  # stamped by build.ps1 from Directory.Build.props
    GUID                 = '5b0f4d63-2f1e-4c7a-9d8e-6a3c1f0b7e21'
    Author               = 'OneStoreIap contributors'
    CompanyName          = 'OneStoreIap contributors'
    Copyright            = '(c) OneStoreIap contributors. MIT License.'
    Description          = 'PowerShell cmdlets for the ONE store IAP Server API v7: look up, acknowledge and consume purchases, cancel, reactivate and defer subscriptions, and list voided and unconfirmed purchases, with a local emulator for offline tests.'
    CompatiblePSEditions = @('Core', 'Desktop')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Connect-OneStore',
        'Disconnect-OneStore',
        'Get-OneStoreConnection',
        'Get-OneStorePurchase',
        'Get-OneStoreSubscription',
        'Invoke-OneStoreAcknowledge',
        'Invoke-OneStoreConsume',
        'Stop-OneStoreSubscription',
        'Resume-OneStoreSubscription',
        'Set-OneStoreSubscription',
        'Get-OneStoreVoidedPurchase',
        'Sync-OneStoreVoidedPurchase',
        'Get-OneStoreUnconfirmedPurchase',
        'Invoke-OneStoreRequest',
        'Test-OneStorePurchaseSignature',
        'Confirm-OneStorePurchase',
        'ConvertFrom-OneStoreNotification',
        'Start-OneStoreEmulator',
        'Stop-OneStoreEmulator',
        'Add-OneStoreEmulatorPurchase',
        'Get-OneStoreEmulatorPurchase',
        'Revoke-OneStoreEmulatorPurchase',
        'Set-OneStoreEmulatorClock',
        'Add-OneStoreEmulatorFault',
        'Clear-OneStoreEmulatorFault',
        'Get-OneStoreEmulatorNotification',
        'Add-OneStoreEmulatorNotificationFault',
        'Reset-OneStoreEmulator',
        'Add-OneStoreEmulatorApp',
        'Get-OneStoreEmulatorCounter',
        'Get-OneStoreEmulatorRequest'
    )
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('ONEstore', 'IAP', 'InAppPurchase', 'Payments', 'Android', 'API', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/onestoreiap/OneStoreIap/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/onestoreiap/OneStoreIap'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
