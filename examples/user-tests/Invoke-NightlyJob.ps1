#Requires -Version 7.4
<#
.SYNOPSIS
    A nightly ONE store job: acknowledges unconfirmed purchases, revokes refunded ones in a CSV ledger, exports an audit log.
.DESCRIPTION
    1. Every purchase ONE store lists as unconfirmed is acknowledged (ONE store cancels purchases left unconfirmed
       for 3 days) and recorded in the ledger as Granted.
    2. Every refund that Sync-OneStoreVoidedPurchase emits (each voided purchase once across completed runs, nothing
       lost across failed or stopped ones) whose purchase the ledger holds as Granted is marked Revoked, with the
       time ONE store voided it, so the game can take the item back.
    3. The audit log (CSV) gets one row per action and one per failure, with ONE store's code.

    The ledger is the job's own record of what it granted: a CSV with the columns PurchaseToken, ProductId, Status
    (Granted or Revoked), GrantedAt, RevokedAt. ONE store's voided list has no product id, so a refund is mapped to
    what it takes back through the ledger, by purchase token. The ledger is saved after each revocation, before the
    next refund is read, so a run that stops part-way never loses one: the sync then emits its refunds again next
    run, and those already marked Revoked are skipped.

    The sync's state file (-SyncStatePath) sits beside the ledger unless told otherwise; keep the two together.
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

    # Where Sync-OneStoreVoidedPurchase keeps how far it has read ONE store's voided list.
    [string] $SyncStatePath = "$LedgerPath.voided-sync.json",

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
function Save-Audit {
    # Appends the rows not written yet.
    if ($audit.Count -eq 0) { return }
    $audit | Export-Csv -LiteralPath $AuditPath -Encoding utf8 -Append
    $audit.Clear()
}

# The ledger, keyed by purchase token: what the job granted for each purchase (PurchaseToken -> ProductId, Status).
$ledger = [ordered]@{}
if (Test-Path -LiteralPath $LedgerPath) {
    foreach ($row in Import-Csv -LiteralPath $LedgerPath -Encoding utf8) { $ledger[$row.PurchaseToken] = $row }
}
function Save-Ledger {
    # In one move (a temporary file, then renamed over the ledger), so a run that stops here keeps the old ledger whole.
    $temporary = "$LedgerPath.tmp"
    $ledger.Values | Select-Object PurchaseToken, ProductId, Status, GrantedAt, RevokedAt | Export-Csv -LiteralPath $temporary -Encoding utf8
    Move-Item -LiteralPath $temporary -Destination $LedgerPath -Force
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
# Saved before the refunds are read: a grant the ledger lost could not be revoked later.
Save-Ledger
Save-Audit

# 2. Revoke what was refunded. The sync emits each refund once across completed runs, and records how far it got
#    only when its pipeline completes; a run that stops part-way emits its refunds again next time. So each revocation
#    is saved in the ledger here, inside the pipeline, before the next refund comes: nothing revoked is ever lost,
#    and a refund emitted again finds its row already Revoked and is skipped.
$revoked = 0
Sync-OneStoreVoidedPurchase -StatePath $SyncStatePath @use | ForEach-Object {
    # The voided list has no product id: the ledger says what this purchase granted.
    $row = $ledger[$_.PurchaseToken]
    if (-not $row -or $row.Status -ne 'Granted') { return }  # not granted by this job, or revoked already
    $row.Status = 'Revoked'
    $row.RevokedAt = $_.VoidedTime.ToString('o')
    $revoked++
    Write-Audit 'Revoked' $row.PurchaseToken $row.ProductId "voided at $($row.RevokedAt)"
    Save-Ledger
    Save-Audit
}

[pscustomobject]@{ Acknowledged = $acknowledged.Count; Revoked = $revoked; Failed = $failures.Count }
