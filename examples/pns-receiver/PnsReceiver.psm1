#Requires -Version 7.4
<#
.SYNOPSIS
    A ONE store payment notification (PNS) receiver: verify, de-duplicate, confirm with the API, then grant or revoke.
.DESCRIPTION
    A notification is a hint, not a fact. ONE store may send one twice, late or out of order, or never, and anyone can
    POST to your URL. This receiver therefore:
    - verifies the signature (ConvertFrom-OneStoreNotification with the connection's license key) and refuses the
      rest with 400;
    - de-duplicates by purchase id against its journal: a purchase is granted once and revoked once;
    - asks ONE store for the purchase (Get-OneStorePurchase) and acts on that answer, not on the notification's
      purchaseState. A completed, unconsumed purchase is granted and then consumed. A cancelled one is revoked if it
      was granted; if it was not, it is never granted;
    - answers 200 once the outcome is recorded (a duplicate included), and 503 when ONE store could not be asked, so
      that ONE store sends the notification again;
    - catches up on the notifications that never came: Sync-PnsJournal grants what ONE store still lists as
      unconfirmed and revokes what it lists as voided. Run it on a schedule (hourly, nightly).

    Handles managed (in-app) products: a PNS message does not say the product type, so the lookup is an in-app one.

    The journal is a CSV file with one row per grant and per revocation: Time, Action (Granted or Revoked), PurchaseId,
    PurchaseToken, ProductId, Source (Notification or CatchUp). Its reads and writes take a lock named after the file,
    so a receiver and a catch-up run can share it. In your game, the grant (the item in the player's inventory) and
    its journal row belong in one database transaction, with a unique key on (PurchaseId, Action).

    Receive-PnsNotification is the whole receiver for one request body (an HTTP-triggered function calls it with
    $Request.RawBody). Start-PnsReceiver serves it on a loopback HttpListener, behind your reverse proxy.
#>

Set-StrictMode -Version Latest

function Use-JournalLock {
    # Runs $Script while holding a lock named after the journal: one reader-writer at a time, across processes too.
    param([string] $JournalPath, [scriptblock] $Script)
    $full = [IO.Path]::GetFullPath($JournalPath)
    $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($full))).Substring(0, 32)
    $mutex = [Threading.Mutex]::new($false, "OneStorePnsJournal-$hash")
    try {
        try {
            if (-not $mutex.WaitOne([TimeSpan]::FromSeconds(30))) { throw "The journal $JournalPath stayed locked for 30 seconds." }
        } catch [Threading.AbandonedMutexException] {
            # Its last holder ended without releasing it; every write is a whole row, so the journal is still sound.
        }
        try { & $Script } finally { $mutex.ReleaseMutex() }
    } finally {
        $mutex.Dispose()
    }
}

function Get-JournalState {
    # purchase id -> 'Granted' or 'Revoked' (the last action recorded).
    param([string] $JournalPath)
    $state = @{}
    if (Test-Path -LiteralPath $JournalPath) {
        foreach ($row in Import-Csv -LiteralPath $JournalPath -Encoding utf8) { $state[$row.PurchaseId] = $row.Action }
    }
    $state
}

function Add-JournalRow {
    # A voided row carries no product id (ONE store's voided list has none): give it from the journal's grant.
    param([string] $JournalPath, [string] $Action, [object] $Purchase, [string] $Source, [string] $ProductId)
    $product = if ($Purchase.PSObject.Properties['ProductId']) { $Purchase.ProductId } else { $ProductId }
    [pscustomobject]@{
        Time = [DateTimeOffset]::Now.ToString('o'); Action = $Action; PurchaseId = $Purchase.PurchaseId
        PurchaseToken = $Purchase.PurchaseToken; ProductId = $product; Source = $Source
    } | Export-Csv -LiteralPath $JournalPath -Encoding utf8 -Append
}

function New-Outcome([int] $StatusCode, [string] $Action, [string] $PurchaseId, [string] $Detail) {
    [pscustomobject]@{ StatusCode = $StatusCode; Action = $Action; PurchaseId = $PurchaseId; Detail = $Detail }
}

function Invoke-Grant {
    # Grants a completed purchase once, then consumes it so that it leaves ONE store's unconfirmed list. A consume
    # that fails is left to Sync-PnsJournal: the purchase stays unconfirmed, and the journal says it was granted.
    param([string] $JournalPath, [object] $Purchase, [string] $Source, [hashtable] $Use)
    Add-JournalRow $JournalPath 'Granted' $Purchase $Source
    $failed = $null
    $null = $Purchase | Invoke-OneStoreConsume @Use -ErrorAction SilentlyContinue -ErrorVariable failed
    if ($failed) { ($failed[0].FullyQualifiedErrorId -split ',')[0] } else { '' }
}

function Receive-PnsNotification {
    <#
    .SYNOPSIS
        Handles one PNS request body; returns the HTTP status to answer with, the action taken and why.
    .EXAMPLE
        # An HTTP-triggered function (Azure Functions, PowerShell):
        $outcome = Receive-PnsNotification -Body $Request.RawBody -JournalPath $env:PNS_JOURNAL
        Push-OutputBinding -Name Response -Value ([HttpResponseContext]@{ StatusCode = $outcome.StatusCode })
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowEmptyString()]
        [string] $Body,

        [Parameter(Mandatory)]
        [string] $JournalPath,

        # A connection from Connect-OneStore -PassThru (with -LicenseKey); the session's default when omitted.
        [object] $Connection
    )
    process {
        $use = @{}
        if ($Connection) { $use.Connection = $Connection }
        $clientId = if ($Connection) { $Connection.ClientId } else { (Get-OneStoreConnection).ClientId }

        # 1. Verify. A body that is not a PNS message, or whose signature does not verify, is not ONE store's.
        try {
            $notification = ConvertFrom-OneStoreNotification -Body $Body @use -ErrorAction Stop
        } catch {
            # A bad signature's error carries the message read (for the log; nothing in it is trusted).
            $claimed = if ($_.TargetObject -is [OneStoreIap.OneStoreNotification]) { $_.TargetObject.PurchaseId }
            return New-Outcome 400 'Rejected' $claimed ($_.FullyQualifiedErrorId -split ',')[0]
        }
        if ($notification.ClientId -cne $clientId) { return New-Outcome 400 'Rejected' $notification.PurchaseId 'ClientIdMismatch' }
        $purchaseId = $notification.PurchaseId

        Use-JournalLock $JournalPath {
            # 2. De-duplicate: nothing follows a revocation, and a granted purchase is not granted again.
            $known = (Get-JournalState $JournalPath)[$purchaseId]
            if ($known -eq 'Revoked' -or ($known -eq 'Granted' -and $notification.PurchaseState -eq 'Completed')) {
                return New-Outcome 200 'Duplicate' $purchaseId $known
            }

            # 3. Confirm with ONE store, and act on its answer. When it cannot be asked, 503: ONE store sends again.
            try {
                $purchase = Get-OneStorePurchase -ProductId $notification.ProductId -PurchaseToken $notification.PurchaseToken @use -ErrorAction Stop
            } catch {
                return New-Outcome 503 'Failed' $purchaseId ($_.FullyQualifiedErrorId -split ',')[0]
            }
            if ($purchase.PurchaseId -cne $purchaseId) { return New-Outcome 400 'Rejected' $purchaseId 'PurchaseIdMismatch' }

            # 4. Grant or revoke, once.
            switch ($purchase.PurchaseState) {
                'Cancelled' {
                    if ($known -eq 'Granted') {
                        Add-JournalRow $JournalPath 'Revoked' $purchase 'Notification'
                        return New-Outcome 200 'Revoked' $purchaseId ''
                    }
                    return New-Outcome 200 'NotGranted' $purchaseId 'Cancelled'
                }
                'Completed' {
                    if ($known) { return New-Outcome 200 'Duplicate' $purchaseId $known }
                    if ($purchase.ConsumptionState -eq 'Consumed') { return New-Outcome 200 'NotGranted' $purchaseId 'AlreadyConsumed' }
                    $consumeFailure = Invoke-Grant $JournalPath $purchase 'Notification' $use
                    return New-Outcome 200 'Granted' $purchaseId $consumeFailure
                }
                default { return New-Outcome 200 'NotGranted' $purchaseId "$($purchase.PurchaseState)" }
            }
        }
    }
}

function Sync-PnsJournal {
    <#
    .SYNOPSIS
        Catches up on notifications that never came: grants what ONE store lists as unconfirmed, revokes what it lists as voided.
    .EXAMPLE
        Connect-OneStore -Credential (Import-Clixml ~/onestore.xml) -LicenseKey $env:ONESTORE_LICENSE_KEY
        Sync-PnsJournal -JournalPath ./pns-journal.csv
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string] $JournalPath,

        [object] $Connection
    )
    $use = @{}
    if ($Connection) { $use.Connection = $Connection }
    Use-JournalLock $JournalPath {
        $state = Get-JournalState $JournalPath
        $granted = 0; $consumed = 0; $revoked = 0; $failed = 0

        # Completed and neither consumed nor acknowledged: not granted yet, or granted but its consume failed.
        foreach ($purchase in @(Get-OneStoreUnconfirmedPurchase @use)) {
            if ($purchase.Type -ne 'InApp' -or $purchase.PurchaseState -ne 'Completed') { continue }
            if ($state[$purchase.PurchaseId] -eq 'Revoked') { continue }
            if (-not $state.Contains($purchase.PurchaseId)) {
                $failure = Invoke-Grant $JournalPath $purchase 'CatchUp' $use
                $state[$purchase.PurchaseId] = 'Granted'
                $granted++
            } else {
                $errors = $null
                $null = $purchase | Invoke-OneStoreConsume @use -ErrorAction SilentlyContinue -ErrorVariable errors
                $failure = if ($errors) { 'failed' } else { '' }
            }
            if ($failure) { $failed++ } else { $consumed++ }
        }

        # Refunded or cancelled: revoke what was granted and is not revoked yet.
        foreach ($voided in @(Get-OneStoreVoidedPurchase @use)) {
            if ($state[$voided.PurchaseId] -ne 'Granted') { continue }
            $grant = Import-Csv -LiteralPath $JournalPath -Encoding utf8 | Where-Object { $_.PurchaseId -eq $voided.PurchaseId -and $_.Action -eq 'Granted' } | Select-Object -First 1
            Add-JournalRow $JournalPath 'Revoked' $voided 'CatchUp' -ProductId $grant.ProductId
            $state[$voided.PurchaseId] = 'Revoked'
            $revoked++
        }
        [pscustomobject]@{ Granted = $granted; Consumed = $consumed; Revoked = $revoked; Failed = $failed }
    }
}

function Start-PnsReceiver {
    <#
    .SYNOPSIS
        Serves Receive-PnsNotification on a loopback HttpListener until stopped (Ctrl+C, Stop-Job); writes each outcome.
    .EXAMPLE
        Connect-OneStore -Credential (Import-Clixml ~/onestore.xml) -LicenseKey $env:ONESTORE_LICENSE_KEY
        Start-PnsReceiver -Prefix http://127.0.0.1:8080/pns/ -JournalPath ./pns-journal.csv | Format-Table
    #>
    [CmdletBinding()]
    param(
        # An HttpListener prefix on loopback, ending with '/'; your reverse proxy forwards ONE store's POSTs to it.
        [Parameter(Mandatory)]
        [ValidatePattern('^http://(127\.0\.0\.1|localhost|\[::1\]):\d+/')]
        [string] $Prefix,

        [Parameter(Mandatory)]
        [string] $JournalPath,

        [object] $Connection,

        # The largest body read; a PNS message is well under 4 KiB.
        [int] $MaximumBodyBytes = 64KB
    )
    $use = @{}
    if ($Connection) { $use.Connection = $Connection }
    $utf8 = [Text.UTF8Encoding]::new($false)
    $listener = [Net.HttpListener]::new()
    $listener.Prefixes.Add($Prefix)
    $listener.Start()
    try {
        while ($listener.IsListening) {
            $pending = $listener.GetContextAsync()
            # Waits in slices so that Ctrl+C or Stop-Job can end the loop between them.
            while (-not $pending.AsyncWaitHandle.WaitOne(250)) { }
            $context = $pending.GetAwaiter().GetResult()
            $request = $context.Request
            $response = $context.Response
            try {
                if ($request.HttpMethod -eq 'GET') {
                    $response.StatusCode = 200  # a health probe; ONE store only POSTs
                } elseif ($request.HttpMethod -ne 'POST') {
                    $response.StatusCode = 405
                } elseif ($request.ContentLength64 -gt $MaximumBodyBytes) {
                    $response.StatusCode = 413
                } else {
                    $reader = [IO.StreamReader]::new($request.InputStream, $utf8)
                    $body = try { $reader.ReadToEnd() } finally { $reader.Dispose() }
                    $outcome = if ($body.Length -gt $MaximumBodyBytes) { New-Outcome 413 'Rejected' $null 'PayloadTooLarge' }
                        else { Receive-PnsNotification -Body $body -JournalPath $JournalPath @use }
                    $response.StatusCode = $outcome.StatusCode
                    $outcome
                }
            } catch {
                # Something unforeseen: 500, so that ONE store sends the message again; the journal holds only what was done.
                $response.StatusCode = 500
                Write-Error -ErrorRecord $_ -ErrorAction Continue
            } finally {
                $response.Close()
            }
        }
    } finally {
        $listener.Stop()
        $listener.Close()
    }
}

Export-ModuleMember -Function Receive-PnsNotification, Sync-PnsJournal, Start-PnsReceiver
