#Requires -Version 7.4
<#
.SYNOPSIS
    Grants what the app's receipts say was bought, once each: verify, grant (a ledger), then consume at ONE store.
.DESCRIPTION
    The server side of an in-app purchase. The app sends its server the originalJson and signature the ONE store SDK
    handed it; nothing in them is trusted until Confirm-OneStorePurchase has checked the signature with the license key,
    that the receipt is this app's, and ONE store's own record of the purchase (completed, not cancelled, not consumed,
    same purchase id, payload and quantity).

    For every receipt of -ReceiptPath (a CSV with the columns OriginalJson and Signature, or a JSON array of objects
    with originalJson and signature):
    1. Confirm-OneStorePurchase. A receipt that fails any check is Refused, with its reasons; nothing is granted.
    2. Grant: a valid purchase whose purchase id is not yet in the ledger is recorded there (in your game: the item goes
       into the player's inventory in the same transaction). The ledger is written before anything is consumed, so a
       run that stops between granting and consuming never grants twice: the next run finds the purchase id and only
       consumes.
    3. Invoke-OneStoreConsume (managed products, so they can be bought again) or Invoke-OneStoreAcknowledge (monthly
       auto-renewal products and subscriptions). Once consumed, the same receipt is refused as AlreadyConsumed.

    A receipt ONE store could not be asked about (an outage, the network) is Failed, with ONE store's code: it is
    neither granted nor refused, and the next run tries again.

    The ledger is a CSV with the columns PurchaseId, PurchaseToken, ProductId, Quantity, GrantedAt, ConfirmedAt.
    It writes one object per receipt: PurchaseId, PurchaseToken, ProductId, Outcome (Granted, AlreadyGranted, Refused or
    Failed), Reasons (the checks that failed, or ONE store's code), and Confirmed (consumed or acknowledged in this run).
    It uses the session's connection and its license key (Connect-OneStore -LicenseKey, or ONESTORE_LICENSE_KEY)
    unless -Connection is given.
.EXAMPLE
    Connect-OneStore -Credential (Import-Clixml ~/onestore.xml) -LicenseKey $env:ONESTORE_LICENSE_KEY
    ./Invoke-GrantFlow.ps1 -ReceiptPath ./receipts.csv -LedgerPath ./ledger.csv | Where-Object Outcome -EQ Refused
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ReceiptPath,

    [Parameter(Mandatory)]
    [string] $LedgerPath,

    # A connection from Connect-OneStore -PassThru; the session's default when omitted.
    [object] $Connection
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$use = @{}
if ($Connection) { $use.Connection = $Connection }
$now = [DateTimeOffset]::Now.ToString('o')

# The receipts, as the app sent them: CSV rows or JSON objects, each with OriginalJson and Signature.
$receipts = if ($ReceiptPath -like '*.json') {
    @(Get-Content -LiteralPath $ReceiptPath -Raw -Encoding utf8 | ConvertFrom-Json -NoEnumerate | ForEach-Object { $_ })
} else {
    @(Import-Csv -LiteralPath $ReceiptPath -Encoding utf8)
}

# The ledger of what was granted, keyed by purchase id (an auto-renewal product has a new one for every payment).
$ledger = [ordered]@{}
if (Test-Path -LiteralPath $LedgerPath) {
    foreach ($row in Import-Csv -LiteralPath $LedgerPath -Encoding utf8) { $ledger[$row.PurchaseId] = $row }
}
function Save-Ledger {
    # In one move, so an interrupted run keeps the previous ledger whole.
    $temporary = "$LedgerPath.tmp"
    $ledger.Values | Select-Object PurchaseId, PurchaseToken, ProductId, Quantity, GrantedAt, ConfirmedAt |
        Export-Csv -LiteralPath $temporary -Encoding utf8
    Move-Item -LiteralPath $temporary -Destination $LedgerPath -Force
}

# 1. Verify every receipt. Only a failure to ask ONE store is an error; a bad receipt is a verdict with reasons.
$failures = @()
$confirmations = @($receipts | Confirm-OneStorePurchase @use -ErrorAction SilentlyContinue -ErrorVariable +failures)

$results = [System.Collections.Generic.List[object]]::new()
$toConfirm = [System.Collections.Generic.List[object]]::new()
foreach ($c in $confirmations) {
    $result = [pscustomobject]@{
        PurchaseId = $c.PurchaseId; PurchaseToken = $c.PurchaseToken; ProductId = $c.ProductId
        Outcome = 'Refused'; Reasons = @($c.Reasons); Confirmed = $false
    }
    $results.Add($result)
    if (-not $c.IsValid) { continue }

    # 2. Grant, unless this purchase was granted before (and its consume did not get through).
    if ($ledger.Contains($c.PurchaseId)) {
        $result.Outcome = 'AlreadyGranted'
    } else {
        $ledger[$c.PurchaseId] = [pscustomobject]@{
            PurchaseId = $c.PurchaseId; PurchaseToken = $c.PurchaseToken; ProductId = $c.ProductId
            Quantity = $c.Quantity ?? 1; GrantedAt = $now; ConfirmedAt = ''
        }
        $result.Outcome = 'Granted'
    }
    $toConfirm.Add([pscustomobject]@{ Confirmation = $c; Result = $result })
}
foreach ($failure in $failures) {
    $receipt = $failure.TargetObject
    $parsed = try { $receipt.OriginalJson | ConvertFrom-Json -AsHashtable } catch { $null }
    if ($parsed -isnot [System.Collections.IDictionary]) { $parsed = @{} }
    $results.Add([pscustomobject]@{
        PurchaseId = $parsed['purchaseId']; PurchaseToken = $parsed['purchaseToken']; ProductId = $parsed['productId']
        Outcome = 'Failed'; Reasons = @(($failure.FullyQualifiedErrorId -split ',')[0]); Confirmed = $false
    })
}
Save-Ledger

# 3. Consume (managed products) or acknowledge (the rest) what was granted; the ledger notes when ONE store took it.
foreach ($item in $toConfirm) {
    $c = $item.Confirmation
    $confirmFailure = $null
    if ($c.Type -eq 'InApp') {
        $null = $c | Invoke-OneStoreConsume @use -ErrorAction SilentlyContinue -ErrorVariable confirmFailure
    } else {
        $null = $c | Invoke-OneStoreAcknowledge @use -ErrorAction SilentlyContinue -ErrorVariable confirmFailure
    }
    if ($confirmFailure) {
        # Granted but not consumed: the next run consumes it without granting again.
        $item.Result.Reasons = @(($confirmFailure[0].FullyQualifiedErrorId -split ',')[0])
        continue
    }
    $item.Result.Confirmed = $true
    $ledger[$c.PurchaseId].ConfirmedAt = [DateTimeOffset]::Now.ToString('o')
}
Save-Ledger

$results
