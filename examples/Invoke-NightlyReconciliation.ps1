#Requires -Version 7.4
<#
.SYNOPSIS
    Nightly ONE store reconciliation: confirms unconfirmed purchases, revokes refunded ones in the ledger, writes an audit log.
.DESCRIPTION
    1. Every purchase that ONE store still lists as unconfirmed is consumed (products named in -ConsumableProductId)
       or acknowledged (everything else). ONE store cancels purchases left unconfirmed for 3 days, so this must run
       at least daily. Each confirmed purchase is recorded in the ledger as Granted.
    2. Every purchase in ONE store's voided list (refunds and cancellations) that the ledger holds as Granted is marked
       Revoked, with the time ONE store voided it, so the game can take the item back.
    3. The audit log gets one row per action: the module's OperationResult for each consume/acknowledge, one row per
       revocation, and one row per failed item (with the ONE store code), so a failed night can be re-run safely.

    The ledger is a CSV with at least the columns PurchaseToken, ProductId and Status (Granted or Revoked); the script
    adds the columns it needs. It is rewritten in one move at the end, so an interrupted run leaves the old ledger.
    Supports -WhatIf: nothing is confirmed at ONE store and no file is written.
.PARAMETER Connection
    A connection from Connect-OneStore -PassThru.
.PARAMETER Credential
    The app's client id (user name) and client secret (password), to connect here.
.PARAMETER ConsumableProductId
    Product ids to consume rather than acknowledge (coins, gems: items that can be bought again).
.PARAMETER Since
    Look at voided purchases from this time on (default: ONE store's default window, one month).
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

# --- 2. Revoke what was voided --------------------------------------------------------------------------------------
$voidedParams = @{ Connection = $Connection }
if ($PSBoundParameters.ContainsKey('Since')) { $voidedParams.StartTime = $Since }
$revoked = 0
foreach ($voided in Get-OneStoreVoidedPurchase @voidedParams) {
    $entry = $ledger[$voided.PurchaseToken]
    if (-not $entry -or $entry.Status -eq 'Revoked') { continue }
    $entry.Status = 'Revoked'
    $entry.RevokedAt = $voided.VoidedTime.ToString('o')
    $ledgerChanged = $true
    $revoked++
    Add-AuditRow -Operation 'Revoke' -ProductId $entry.ProductId -PurchaseToken $voided.PurchaseToken -Code 'Revoked' -Message "Voided by ONE store at $($entry.RevokedAt)"
}

# --- 3. Write the ledger and the audit log --------------------------------------------------------------------------
$auditColumns = 'Operation', 'ProductId', 'PurchaseToken', 'Code', 'Message', 'AlreadyApplied'
if ($ledgerChanged -and $PSCmdlet.ShouldProcess($LedgerPath, 'Update the ledger')) {
    $temp = "$LedgerPath.tmp"
    $ledger.Values | Export-Csv -LiteralPath $temp -NoTypeInformation -Encoding utf8
    Move-Item -LiteralPath $temp -Destination $LedgerPath -Force
}
if ($PSCmdlet.ShouldProcess($AuditPath, 'Write the audit log')) {
    $audit | Select-Object (@(@{ n = 'Time'; e = { $now.ToString('o') } }) + $auditColumns) |
        Export-Csv -LiteralPath $AuditPath -NoTypeInformation -Encoding utf8
}

[pscustomobject]@{
    Unconfirmed  = $unconfirmed.Count
    Consumed     = @($confirmed | Where-Object { $_.Operation -match 'Consume' }).Count
    Acknowledged = @($confirmed | Where-Object { $_.Operation -match 'Acknowledge' }).Count
    Revoked      = $revoked
    Failed       = $failures
    LedgerPath   = $LedgerPath
    AuditPath    = $AuditPath
}
