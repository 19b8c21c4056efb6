#Requires -Version 7.4
<#
.SYNOPSIS
    A nightly ONE store job: acknowledges unconfirmed purchases, revokes refunded ones in a CSV ledger, exports an audit log.
.DESCRIPTION
    1. Every purchase ONE store lists as unconfirmed is acknowledged (ONE store cancels purchases left unconfirmed
       for 3 days) and recorded in the ledger as Granted.
    2. Every purchase of the ledger that ONE store now lists as voided (a refund) and that is still Granted is marked
       Revoked, with the time ONE store voided it, so the game can take the item back.
    3. The audit log (CSV) gets one row per action and one per failure, with ONE store's code.

    The ledger is a CSV with the columns PurchaseToken, ProductId, Status (Granted or Revoked), GrantedAt, RevokedAt.
    It uses the session's connection (Connect-OneStore) unless -Connection is given.
.EXAMPLE
    Connect-OneStore -Credential (Import-Clixml ~/onestore.xml)
    ./Invoke-NightlyJob.ps1 -LedgerPath ./ledger.csv -AuditPath "./audit-$(Get-Date -Format yyyyMMdd).csv"
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $LedgerPath,

    [Parameter(Mandatory)]
    [string] $AuditPath,

    # A connection from Connect-OneStore -PassThru; the session's default when omitted.
    [object] $Connection
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$use = @{}
if ($Connection) { $use.Connection = $Connection }
$now = [DateTimeOffset]::Now.ToString('o')
$audit = [System.Collections.Generic.List[object]]::new()
function Write-Audit([string] $Action, [string] $PurchaseToken, [string] $ProductId, [string] $Detail) {
    $audit.Add([pscustomobject]@{ Time = $now; Action = $Action; PurchaseToken = $PurchaseToken; ProductId = $ProductId; Detail = $Detail })
}

# The ledger, keyed by purchase token.
$ledger = [ordered]@{}
if (Test-Path -LiteralPath $LedgerPath) {
    foreach ($row in Import-Csv -LiteralPath $LedgerPath -Encoding utf8) { $ledger[$row.PurchaseToken] = $row }
}

# 1. Acknowledge what is unconfirmed. The list is read in full first, so acknowledging does not shift its pages.
$unconfirmed = @(Get-OneStoreUnconfirmedPurchase @use)
$failures = @()
$acknowledged = @($unconfirmed | Invoke-OneStoreAcknowledge @use -ErrorAction SilentlyContinue -ErrorVariable +failures)
foreach ($result in $acknowledged) {
    $ledger[$result.PurchaseToken] = [pscustomobject]@{
        PurchaseToken = $result.PurchaseToken; ProductId = $result.ProductId; Status = 'Granted'; GrantedAt = $now; RevokedAt = ''
    }
    Write-Audit 'Acknowledged' $result.PurchaseToken $result.ProductId ($result.AlreadyApplied ? 'already applied' : $result.Code)
}
foreach ($failure in $failures) {
    $target = $failure.TargetObject
    Write-Audit 'Failed' $target.PurchaseToken $target.ProductId ($failure.FullyQualifiedErrorId -split ',')[0]
}

# 2. Revoke what was refunded.
$revoked = 0
foreach ($voided in Get-OneStoreVoidedPurchase @use) {
    $row = $ledger[$voided.PurchaseToken]
    if (-not $row -or $row.Status -ne 'Granted') { continue }
    $row.Status = 'Revoked'
    $row.RevokedAt = $voided.VoidedTime.ToString('o')
    $revoked++
    Write-Audit 'Revoked' $row.PurchaseToken $row.ProductId "voided at $($row.RevokedAt)"
}

# 3. Write the ledger (in one move, so an interrupted run keeps the old one) and the audit log.
$temporary = "$LedgerPath.tmp"
$ledger.Values | Select-Object PurchaseToken, ProductId, Status, GrantedAt, RevokedAt | Export-Csv -LiteralPath $temporary -Encoding utf8
Move-Item -LiteralPath $temporary -Destination $LedgerPath -Force
$audit | Export-Csv -LiteralPath $AuditPath -Encoding utf8 -Append

[pscustomobject]@{ Acknowledged = $acknowledged.Count; Revoked = $revoked; Failed = $failures.Count }
