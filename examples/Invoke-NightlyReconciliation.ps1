#Requires -Version 7.4
<#
.SYNOPSIS
    Nightly ONE store reconciliation: confirms unconfirmed purchases, revokes refunded ones in the ledger, writes an audit log.
.DESCRIPTION
    1. Every purchase that ONE store still lists as unconfirmed is consumed (products named in -ConsumableProductId)
       or acknowledged (everything else). ONE store cancels purchases left unconfirmed for 3 days, so this must run
       at least daily. Each confirmed purchase is recorded in the ledger as Granted.
    2. Every refund or cancellation that Sync-OneStoreVoidedPurchase emits (each voided purchase once across completed
       runs; a failed or stopped run loses none) whose purchase the ledger holds as Granted is marked Revoked, with the
       time ONE store voided it, so the game can take the item back.
    3. The audit log gets one row per action: the module's OperationResult for each consume/acknowledge, one row per
       revocation, and one row per failed item (with the ONE store code), so a failed night can be re-run safely.

    The ledger is the game's own record of what it granted: a CSV with at least the columns PurchaseToken, ProductId and
    Status (Granted or Revoked); the script adds the columns it needs. ONE store's voided list has no product id, so a
    refund is mapped to what it takes back through the ledger, by purchase token. The ledger is rewritten in one move
    (a temporary file, then renamed over it) after the confirmations and again after each revocation, so a run that
    stops part-way leaves a whole ledger and loses no revocation: the sync emits that run's refunds again, and those
    already Revoked are skipped.
    Supports -WhatIf: nothing is confirmed at ONE store and no file is written (the refunds are only listed, with
    Get-OneStoreVoidedPurchase, so the sync's state does not move).
.PARAMETER Connection
    A connection from Connect-OneStore -PassThru.
.PARAMETER Credential
    The app's client id (user name) and client secret (password), to connect here.
.PARAMETER ConsumableProductId
    Product ids to consume rather than acknowledge (coins, gems: items that can be bought again).
.PARAMETER Since
    Where the first sync of refunds starts (default: as far back as ONE store lists, one month). Once the sync's state
    file exists, the state says where to resume.
.PARAMETER SyncStatePath
    The state file of Sync-OneStoreVoidedPurchase (default: beside the ledger, <LedgerPath>.voided-sync.json). Keep
    one per app, market and environment, with its ledger.
.EXAMPLE
    $conn = Connect-OneStore -Credential (Get-Secret OneStoreApp) -PassThru
    ./Invoke-NightlyReconciliation.ps1 -Connection $conn -LedgerPath ./ledger.csv -AuditPath "./audit-$(Get-Date -f yyyyMMdd).csv" -ConsumableProductId gem_100, gem_500
.EXAMPLE
    ./Invoke-NightlyReconciliation.ps1 -Credential $cred -MarketCode MKT_ONE -LedgerPath ./ledger.csv -AuditPath ./audit.csv -WhatIf
#>
[CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'Connection')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Connection')]
    [ValidateNotNull()]
    [object] $Connection,

    [Parameter(Mandatory, ParameterSetName = 'Credential')]
    [pscredential] $Credential,

    [Parameter(ParameterSetName = 'Credential')]
    [ValidateSet('MKT_ONE', 'MKT_GLB')]
    [string] $MarketCode = 'MKT_ONE',

    [Parameter(ParameterSetName = 'Credential')]
    [ValidateSet('Commercial', 'Sandbox')]
    [string] $Environment = 'Commercial',

    # Another host than the environment's (the emulator, a proxy).
    [Parameter(ParameterSetName = 'Credential')]
    [uri] $BaseUri,

    [Parameter(Mandatory)]
    [string] $LedgerPath,

    [Parameter(Mandatory)]
    [string] $AuditPath,

    [string[]] $ConsumableProductId = @(),

    [DateTimeOffset] $Since,

    [string] $SyncStatePath = "$LedgerPath.voided-sync.json",

    [ValidateRange(1, 64)]
    [int] $ThrottleLimit = 8
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if (-not (Get-Command Connect-OneStore -ErrorAction Ignore)) { Import-Module OneStoreIap }

if ($PSCmdlet.ParameterSetName -eq 'Credential') {
    $connect = @{ Credential = $Credential; MarketCode = $MarketCode; PassThru = $true }
    if ($BaseUri) { $connect.BaseUri = $BaseUri } else { $connect.Environment = $Environment }
    $Connection = Connect-OneStore @connect
}

$now = [DateTimeOffset]::Now
$audit = [System.Collections.Generic.List[object]]::new()

function Add-AuditRow {
    param([string] $Operation, [string] $ProductId, [string] $PurchaseToken, [string] $Code, [string] $Message, [bool] $AlreadyApplied = $false)
    $audit.Add([pscustomobject]@{
            Operation      = $Operation
            ProductId      = $ProductId
            PurchaseToken  = $PurchaseToken
            Code           = $Code
            Message        = $Message
            AlreadyApplied = $AlreadyApplied
        })
}

function Add-FailureRow {
    # One audit row per failed item: the ONE store code when there is one, else the error id.
    param([string] $Operation, [System.Management.Automation.ErrorRecord[]] $Failures)
    foreach ($failure in $Failures) {
        $target = $failure.TargetObject
        $token = if ($target -is [string]) { $target } elseif ($target -and $target.PSObject.Properties['PurchaseToken']) { $target.PurchaseToken } else { '' }
        $product = if ($target -and $target -isnot [string] -and $target.PSObject.Properties['ProductId']) { $target.ProductId } else { '' }
        $code = if ($failure.Exception.PSObject.Properties['Code'] -and $failure.Exception.Code) { $failure.Exception.Code } else { ($failure.FullyQualifiedErrorId -split ',')[0] }
        Add-AuditRow -Operation $Operation -ProductId $product -PurchaseToken $token -Code $code -Message $failure.Exception.Message
        $script:failures++
        Write-Warning "$Operation of $product/$token failed: $code"
    }
}

# --- The ledger, keyed by purchase token ---------------------------------------------------------------------------
$ledger = [ordered]@{}
if (Test-Path -LiteralPath $LedgerPath) {
    foreach ($row in Import-Csv -LiteralPath $LedgerPath -Encoding utf8) {
        foreach ($column in 'Status', 'GrantedAt', 'RevokedAt') {
            if (-not $row.PSObject.Properties[$column]) { $row | Add-Member -NotePropertyName $column -NotePropertyValue '' }
        }
        if (-not $row.Status) { $row.Status = 'Granted' }
        $ledger[$row.PurchaseToken] = $row
    }
}
$ledgerChanged = $false
$failures = 0

function Save-Ledger {
    # In one move, so a run that stops here keeps the old ledger whole.
    if (-not $PSCmdlet.ShouldProcess($LedgerPath, 'Update the ledger')) { return }
    $temp = "$LedgerPath.tmp"
    $ledger.Values | Export-Csv -LiteralPath $temp -NoTypeInformation -Encoding utf8
    Move-Item -LiteralPath $temp -Destination $LedgerPath -Force
}

$auditColumns = 'Operation', 'ProductId', 'PurchaseToken', 'Code', 'Message', 'AlreadyApplied'
function Save-AuditLog {
    if (-not $PSCmdlet.ShouldProcess($AuditPath, 'Write the audit log')) { return }
    $audit | Select-Object (@(@{ n = 'Time'; e = { $now.ToString('o') } }) + $auditColumns) |
        Export-Csv -LiteralPath $AuditPath -NoTypeInformation -Encoding utf8
}

# --- 1. Confirm what is unconfirmed ---------------------------------------------------------------------------------
# The list is read in full first: confirming while paging would shift the pages under the continuation key.
$unconfirmed = @(Get-OneStoreUnconfirmedPurchase -Connection $Connection)
Write-Verbose "$($unconfirmed.Count) unconfirmed purchase(s)"
$toConsume = @($unconfirmed | Where-Object { [string]$_.Type -eq 'InApp' -and $_.ProductId -in $ConsumableProductId })
$toAcknowledge = @($unconfirmed | Where-Object { -not ([string]$_.Type -eq 'InApp' -and $_.ProductId -in $ConsumableProductId) })

$confirmed = [System.Collections.Generic.List[object]]::new()
foreach ($step in @(
        @{ Operation = 'Consume'; Items = $toConsume; Command = 'Invoke-OneStoreConsume' }
        @{ Operation = 'Acknowledge'; Items = $toAcknowledge; Command = 'Invoke-OneStoreAcknowledge' })) {
    if ($step.Items.Count -eq 0) { continue }
    $failed = $null
    $results = @($step.Items | & $step.Command -Connection $Connection -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable failed)
    foreach ($result in $results) {
        $audit.Add($result)
        $confirmed.Add($result)
    }
    if ($failed) { Add-FailureRow -Operation $step.Operation -Failures $failed }
}

foreach ($result in $confirmed) {
    if (-not $ledger.Contains($result.PurchaseToken)) {
        $ledger[$result.PurchaseToken] = [pscustomobject]@{
            PurchaseToken = $result.PurchaseToken
            ProductId     = $result.ProductId
            Status        = 'Granted'
            GrantedAt     = $now.ToString('o')
            RevokedAt     = ''
        }
        $ledgerChanged = $true
    }
}

# Saved before the refunds are read: a grant the ledger lost could not be revoked later.
if ($ledgerChanged) { Save-Ledger }

# --- 2. Revoke what was voided --------------------------------------------------------------------------------------
# The sync emits each refund once across completed runs and records how far it got only when its pipeline completes;
# a run that stops part-way emits its refunds again next time. So each revocation is saved here, inside the pipeline,
# before the next refund comes: none is lost, and a refund emitted again finds its entry Revoked and is skipped.
$revoked = 0
$revoke = {
    # The voided list has no product id: the ledger says what this purchase granted.
    $entry = $ledger[$_.PurchaseToken]
    if (-not $entry -or $entry.Status -eq 'Revoked') { return }  # not granted here, or revoked already
    if (-not $PSCmdlet.ShouldProcess("$($entry.ProductId) ($($_.PurchaseToken))", 'Revoke in the ledger')) { return }
    $entry.Status = 'Revoked'
    $entry.RevokedAt = $_.VoidedTime.ToString('o')
    $script:revoked++
    Add-AuditRow -Operation 'Revoke' -ProductId $entry.ProductId -PurchaseToken $_.PurchaseToken -Code 'Revoked' -Message "Voided by ONE store at $($entry.RevokedAt)"
    Save-Ledger
    Save-AuditLog
}
if ($WhatIfPreference) {
    # The sync would record how far it read: under -WhatIf the refunds are only listed.
    $listed = @{ Connection = $Connection }
    if ($PSBoundParameters.ContainsKey('Since')) { $listed.StartTime = $Since }
    Get-OneStoreVoidedPurchase @listed | ForEach-Object $revoke
} else {
    $sync = @{ Connection = $Connection; StatePath = $SyncStatePath }
    if ($PSBoundParameters.ContainsKey('Since')) { $sync.Since = $Since }
    Sync-OneStoreVoidedPurchase @sync | ForEach-Object $revoke
}

# --- 3. The audit log -----------------------------------------------------------------------------------------------
Save-AuditLog

[pscustomobject]@{
    Unconfirmed  = $unconfirmed.Count
    Consumed     = @($confirmed | Where-Object { $_.Operation -match 'Consume' }).Count
    Acknowledged = @($confirmed | Where-Object { $_.Operation -match 'Acknowledge' }).Count
    Revoked      = $revoked
    Failed       = $failures
    LedgerPath   = $LedgerPath
    AuditPath    = $AuditPath
}
