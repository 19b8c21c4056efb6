<#
.SYNOPSIS
    The demo: starts the emulator, runs the example ops flow against it with the staged module, stops the emulator.
.DESCRIPTION
    Connects with the emulator's seed app, lists the unconfirmed purchases, runs the nightly reconciliation example
    (consume the consumables, acknowledge the rest, revoke the refunds that Sync-OneStoreVoidedPurchase emits in a
    ledger, write an audit log), looks one purchase up, shows that a second sync emits nothing new, and exports the
    voided purchases to CSV. Every file it writes is under -OutputPath.
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

    # A ledger from earlier nights: what the game granted, by purchase token, some of it since refunded. ONE store's
    # voided list has no product id, so a refund handler needs such a record of its own; here the emulator's state of
    # some seed purchases stands in for it (docs/emulator.md names them).
    $ledgerPath = Join-Path $OutputPath 'ledger.csv'
    $syncStatePath = Join-Path $OutputPath 'ledger.csv.voided-sync.json'
    Remove-Item -LiteralPath $syncStatePath -ErrorAction Ignore  # a fresh emulator: start the sync afresh too
    $earlier = @('INAPP-ACK-0001', 'AUTO-ACTIVE-0001', 'SUB-ACTIVE-0001', 'INAPP-VOIDED-0001', 'AUTO-VOIDED-0001' |
            Get-OneStoreEmulatorPurchase -Emulator $emulator.BaseUri)
    $earlier | ForEach-Object {
        [pscustomobject]@{ PurchaseToken = $_.PurchaseToken; ProductId = $_.ProductId; Status = 'Granted'; GrantedAt = $_.PurchaseTime.ToString('o'); RevokedAt = '' }
    } | Export-Csv -Path $ledgerPath -NoTypeInformation -Encoding utf8
    Write-Host "Ledger of earlier nights: $(($earlier | ForEach-Object { "$($_.PurchaseToken) ($($_.ProductId))" }) -join ', ')"

    Write-Step 'examples/Invoke-NightlyReconciliation.ps1 (consume, acknowledge, revoke, audit)'
    $auditPath = Join-Path $OutputPath 'audit.csv'
    $summary = & (Join-Path $PSScriptRoot 'Invoke-NightlyReconciliation.ps1') -Connection $conn -LedgerPath $ledgerPath `
        -AuditPath $auditPath -ConsumableProductId $consumables -SyncStatePath $syncStatePath
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

    Write-Step "Sync-OneStoreVoidedPurchase -StatePath $syncStatePath (again: only what is new since the run above)"
    $again = @(Sync-OneStoreVoidedPurchase -StatePath $syncStatePath -Connection $conn)
    Write-Host "$($again.Count) new voided purchase(s) since the reconciliation's sync"
    $state = Get-Content -Raw -LiteralPath $syncStatePath | ConvertFrom-Json
    Write-Host "Its state's watermark (everything voided up to it has been emitted): $([DateTimeOffset]::FromUnixTimeMilliseconds($state.watermarkMillis).ToString('o'))"

    Write-Step 'Get-OneStoreVoidedPurchase | Export-Csv'
    $voidedPath = Join-Path $OutputPath 'voided.csv'
    Get-OneStoreVoidedPurchase -Connection $conn | Export-Csv -Path $voidedPath -NoTypeInformation -Encoding utf8
    $voidedCount = @(Import-Csv $voidedPath).Count
    Write-Host "$voidedCount voided purchase(s) written to $voidedPath"

    $counters = Invoke-EmulatorControl -Emulator $emulator -Path 'counters'
    Write-Step 'Done'
    Write-Host ("Consumed {0}, acknowledged {1}, revoked {2}, failed {3}; {4} API requests, {5} token request(s)." -f `
            $summary.Consumed, $summary.Acknowledged, $summary.Revoked, $summary.Failed, $counters.totalRequests, $counters.tokenRequests)
    Write-Host "Files: $ledgerPath, $auditPath, $syncStatePath, $voidedPath"
    if ($summary.Failed -gt 0) { throw "$($summary.Failed) item(s) failed; see $auditPath." }
    # The ledger's two refunded purchases (INAPP-VOIDED-0001, AUTO-VOIDED-0001) are revoked, and only they.
    if ($summary.Revoked -ne 2) { throw "Expected the ledger's 2 refunded purchases to be revoked; $($summary.Revoked) were." }
    if ($again.Count -ne 0) { throw "A second sync emitted $($again.Count) voided purchase(s) a completed run had emitted." }
} finally {
    $emulator | Stop-TestEmulator
}
