<#
.SYNOPSIS
    The demo: starts the emulator, runs the example ops flow against it with the staged module, stops the emulator.
.DESCRIPTION
    Connects with the emulator's seed app, lists the unconfirmed purchases, runs the nightly reconciliation example
    (consume the consumables, acknowledge the rest, revoke refunds in a ledger, write an audit log), looks one purchase
    up, and exports the voided purchases to CSV. Every file it writes is under -OutputPath.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $EmulatorPath,
    [Parameter(Mandatory)][string] $OutputPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot '..' 'tests' 'pester' 'TestHelpers.psm1')
Import-Module (Resolve-Path -LiteralPath $ModulePath).Path
$env:ONESTOREIAP_TEST_EMULATOR = (Resolve-Path -LiteralPath $EmulatorPath).Path
$null = New-Item -ItemType Directory -Force $OutputPath

# The emulator's built-in seed app (docs/emulator.md).
$clientId = 'com.onestore.sample'
$secret = ConvertTo-SecureString 'sample-client-secret-0000' -AsPlainText -Force

function Write-Step([string] $Text) { Write-Host ''; Write-Host "== $Text" -ForegroundColor Cyan }

$emulator = Start-TestEmulator
try {
    Write-Host "Emulator listening on $($emulator.BaseUri)"

    if (-not (Get-Command Connect-OneStore -ErrorAction Ignore)) {
        # The module has no cmdlets yet: show that the emulator runs, and stop there.
        Write-Host 'The staged module exports no cmdlets yet; showing the emulator only.'
        Invoke-EmulatorControl -Emulator $emulator -Path 'health' | Format-List | Out-Host
        return
    }

    Write-Step "Connect-OneStore -ClientId $clientId -BaseUri $($emulator.BaseUri)"
    $conn = Connect-OneStore -ClientId $clientId -ClientSecret $secret -BaseUri $emulator.BaseUri -PassThru
    $conn | Format-List ClientId, MarketCode, Environment, BaseUri, TokenExpiresOn | Out-Host

    Write-Step 'Get-OneStoreUnconfirmedPurchase'
    $unconfirmed = @(Get-OneStoreUnconfirmedPurchase -Connection $conn)
    Write-Host "$($unconfirmed.Count) unconfirmed purchase(s); by product:"
    $unconfirmed | Group-Object Type, ProductId | Sort-Object Count -Descending |
        Select-Object Count, @{ n = 'Type, ProductId'; e = { $_.Name } } | Format-Table -AutoSize | Out-Host

    # Consumables are currencies (gems, coins, 다이아 = diamonds, 루비 = rubies) and anything bought over and over;
    # they are consumed so they can be bought again. Everything else is acknowledged.
    $consumables = @($unconfirmed | Where-Object { [string]$_.Type -eq 'InApp' } | Group-Object ProductId |
            Where-Object { $_.Name -match '^(gem|coin|다이아|루비)' -or $_.Count -gt 1 } | ForEach-Object Name)
    Write-Host "Consumables: $($consumables -join ', ')"

    # A ledger from earlier nights: what the game granted, some of it since refunded.
    $voidedBefore = @(Get-OneStoreVoidedPurchase -Connection $conn | Select-Object -First 5)
    $ledgerPath = Join-Path $OutputPath 'ledger.csv'
    $voidedBefore | ForEach-Object {
        [pscustomobject]@{ PurchaseToken = $_.PurchaseToken; ProductId = $_.ProductId; Status = 'Granted'; GrantedAt = $_.PurchaseTime.ToString('o'); RevokedAt = '' }
    } | Export-Csv -Path $ledgerPath -NoTypeInformation -Encoding utf8

    Write-Step 'examples/Invoke-NightlyReconciliation.ps1 (consume, acknowledge, revoke, audit)'
    $auditPath = Join-Path $OutputPath 'audit.csv'
    $summary = & (Join-Path $PSScriptRoot 'Invoke-NightlyReconciliation.ps1') -Connection $conn -LedgerPath $ledgerPath `
        -AuditPath $auditPath -ConsumableProductId $consumables
    $summary | Format-List | Out-Host
    Write-Host 'First rows of the audit log:'
    Import-Csv $auditPath | Select-Object -First 5 | Format-Table Operation, ProductId, PurchaseToken, Code -AutoSize | Out-Host

    Write-Step 'Get-OneStorePurchase (one of the purchases just confirmed)'
    $sample = $unconfirmed | Where-Object { [string]$_.Type -eq 'InApp' } | Select-Object -First 1
    if ($sample) {
        Get-OneStorePurchase -ProductId $sample.ProductId -PurchaseToken $sample.PurchaseToken -Connection $conn |
            Format-List ProductId, PurchaseToken, PurchaseState, ConsumptionState, AcknowledgeState, Quantity, PurchaseTime | Out-Host
    }
    Write-Host "Unconfirmed purchases left: $(@(Get-OneStoreUnconfirmedPurchase -Connection $conn).Count)"

    Write-Step 'Get-OneStoreVoidedPurchase | Export-Csv'
    $voidedPath = Join-Path $OutputPath 'voided.csv'
    Get-OneStoreVoidedPurchase -Connection $conn | Export-Csv -Path $voidedPath -NoTypeInformation -Encoding utf8
    $voidedCount = @(Import-Csv $voidedPath).Count
    Write-Host "$voidedCount voided purchase(s) written to $voidedPath"

    $counters = Invoke-EmulatorControl -Emulator $emulator -Path 'counters'
    Write-Step 'Done'
    Write-Host ("Consumed {0}, acknowledged {1}, revoked {2}, failed {3}; {4} API requests, {5} token request(s)." -f `
            $summary.Consumed, $summary.Acknowledged, $summary.Revoked, $summary.Failed, $counters.totalRequests, $counters.tokenRequests)
    Write-Host "Files: $ledgerPath, $auditPath, $voidedPath"
    if ($summary.Failed -gt 0) { throw "$($summary.Failed) item(s) failed; see $auditPath." }
} finally {
    $emulator | Stop-TestEmulator
}
