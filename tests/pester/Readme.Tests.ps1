# Every ```powershell block of README.md runs, as the help examples do, so that what a new user copies works.
#
# The convention, for whoever adds a section to the README:
#   - A block runs in a fresh pwsh (no profile), with the staged module on PSModulePath (Import-Module OneStoreIap and
#     autoloading work, as for an installed module), $ErrorActionPreference = 'Stop', in a folder of its own that holds
#     what the README's commands read: tokens.csv and consumables.csv (rows of the emulator's built-in seed, of all
#     three product types), output/ (the staged build, for "Import-Module ./output/OneStoreIap/<version>/..."), and
#     examples/user-tests/. The block starts its own emulator (Start-OneStoreEmulator) or connects however it says.
#   - A block that is a Pester test file (it has BeforeAll, Describe or It at the start of a line) is saved in a folder
#     beside a copy of examples/user-tests/*.ps1 and run with Invoke-Pester; every test in it must pass.
#   - A block that cannot run here (PowerShell Gallery installs, real ONE store hosts, prompts) starts with the line
#     '# not run: <reason>'; it is reported as skipped with that reason.
# A block passes when its pwsh exits with 0 and writes no error.
#   - The example column of a table (a cell that is one `code span` starting with a module cmdlet) runs too, each
#     against a freshly reset emulator and connection ($ConfirmPreference = 'None', as if the user said yes), in the
#     same folder. A Connect-OneStore example without -BaseUri or -Emulator would reach the real ONE store: not run.

BeforeDiscovery {
    $readme = Join-Path $PSScriptRoot '..' '..' 'README.md'
    $text = Get-Content -Raw $readme
    $script:Blocks = @(
        $n = 0
        foreach ($match in [regex]::Matches($text, '(?ms)^```powershell[ \t]*\r?\n(.*?)^```[ \t]*$')) {
            $n++
            $code = $match.Groups[1].Value
            $line = ($text.Substring(0, $match.Index) -split "`n").Count
            $first = ($code -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1)
            $skip = if ($first -match '^\s*#\s*not run:\s*(.+)$') { $Matches[1].Trim() } else { '' }
            $pester = $code -match '(?m)^\s*(BeforeAll|Describe|It)\b'
            @{ Number = $n; Line = $line; Code = $code; SkipReason = $skip; IsPester = $pester; Title = ($first.Trim() -replace '^#\s*', '') }
        }
    )
    $script:Cells = @(
        $lineNumber = 0
        foreach ($row in $text -split "`n") {
            $lineNumber++
            if ($row -notmatch '^\|.*\|\s*`([A-Z][a-z]+-OneStore[^`]*)`\s*\|\s*$') { continue }
            # a table cell escapes its pipes
            $code = $Matches[1] -replace '\\\|', '|'
            $skip = if ($code -match '^Connect-OneStore\b' -and $code -notmatch '-BaseUri|-Emulator') { 'connects to the real ONE store' } else { '' }
            @{ Line = $lineNumber; Code = $code; SkipReason = $skip }
        }
    )
}

BeforeAll {
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:PesterPath = (Get-Module Pester).Path
    # The staged module's parent folder holds OneStoreIap/<version>/: a module path, as an installed module has.
    $script:ModuleRoot = Split-Path (Split-Path (Split-Path $env:ONESTOREIAP_TEST_MODULE))

    function New-ReadmeFolder {
        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory $work
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $work 'output') -Target $ModuleRoot
        $examples = Join-Path $work 'examples'
        $null = New-Item -ItemType Directory $examples
        Copy-Item -Recurse (Join-Path $Root 'examples' 'user-tests') $examples
        @(
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'INAPP-ACK-0001'; Type = 'InApp' }
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'INAPP-NEW-0003'; Type = 'InApp' }
            [pscustomobject]@{ ProductId = 'monthly_pass'; PurchaseToken = 'AUTO-ACTIVE-0001'; Type = 'Auto' }
            [pscustomobject]@{ ProductId = 'premium_monthly'; PurchaseToken = 'SUB-ACTIVE-0001'; Type = 'Subscription' }
        ) | Export-Csv -Path (Join-Path $work 'tokens.csv') -Encoding utf8
        @(
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'INAPP-NEW-0003' }
            [pscustomobject]@{ ProductId = 'gem_100'; PurchaseToken = 'INAPP-ACK-0001' }
        ) | Export-Csv -Path (Join-Path $work 'consumables.csv') -Encoding utf8
        $work
    }

    function Invoke-InFreshPwsh([string] $Work, [string] $Script) {
        $file = Join-Path $Work ".readme-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -Path $file -Value ("`$PSStyle.OutputRendering = 'PlainText'`n" + $Script) -Encoding utf8
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $saved
            Push-Location $Work
            $output = & $Pwsh -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
            # plain text: escape sequences would not survive the test report's XML
            [pscustomobject]@{ Output = (($output -join [Environment]::NewLine) -replace '\x1b\[[0-9;]*[A-Za-z]', '' -replace '[\x00-\x08\x0b\x0c\x0e-\x1f]', ''); ExitCode = $LASTEXITCODE }
        } finally {
            Pop-Location
            $env:PSModulePath = $saved
        }
    }
}

Describe 'README.md' {
    Context 'table examples' {
        BeforeAll {
            $script:CellWork = New-ReadmeFolder
            $runnable = @($Cells | Where-Object { -not $_.SkipReason })
            $codes = Join-Path $CellWork 'cells.json'
            ConvertTo-Json -InputObject @($runnable | ForEach-Object Code) | Set-Content -Path $codes -Encoding utf8
            $results = Join-Path $CellWork 'results.json'
            $script:CellRun = Invoke-InFreshPwsh $CellWork @"
`$ProgressPreference = 'SilentlyContinue'
`$ConfirmPreference = 'None'
`$ErrorActionPreference = 'Stop'
`$emulator = Start-OneStoreEmulator
`$secret = ConvertTo-SecureString 'sample-client-secret-0000' -AsPlainText -Force
`$results = [ordered]@{}
foreach (`$code in (Get-Content -Raw '$codes' | ConvertFrom-Json)) {
    `$null = Invoke-RestMethod -Method Post "`$(`$emulator.BaseUri)_emulator/reset" -ContentType 'application/json' -Body '{}'
    Connect-OneStore -Emulator `$emulator
    try {
        `$null = & ([scriptblock]::Create(`$code)) *>&1 | Out-String
        `$results[`$code] = ''
    } catch {
        `$results[`$code] = "`$(`$_.FullyQualifiedErrorId): `$(`$_.Exception.Message)"
    }
}
`$results | ConvertTo-Json | Set-Content '$results'
"@
            $script:CellResults = if (Test-Path $results) { Get-Content -Raw $results | ConvertFrom-Json -AsHashtable } else { @{} }
        }

        It 'line <Line>: <Code>' -ForEach $Cells {
            if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
            $CellResults.ContainsKey($Code) | Should -BeTrue -Because $CellRun.Output
            $CellResults[$Code] | Should -BeNullOrEmpty
        }
    }

    It 'has runnable blocks (the convention is read)' {
        @($Blocks | Where-Object { -not $_.SkipReason }).Count | Should -BeGreaterThan 1
    }

    It 'block <Number> (line <Line>): <Title>' -ForEach $Blocks {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $work = New-ReadmeFolder
        if ($IsPester) {
            $folder = Join-Path $work 'snippet'
            $null = New-Item -ItemType Directory $folder
            Copy-Item (Join-Path $Root 'examples' 'user-tests' '*.ps1') $folder -Exclude '*.Tests.ps1'
            Set-Content -Path (Join-Path $folder 'Readme.Tests.ps1') -Value $Code -Encoding utf8
            $counts = Join-Path $work 'counts.json'
            $result = Invoke-InFreshPwsh $work @"
Import-Module '$PesterPath'
`$run = Invoke-Pester -Path '$folder' -PassThru -Output Detailed
@{ Passed = `$run.PassedCount; Failed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount } | ConvertTo-Json | Set-Content '$counts'
"@
            $ran = Get-Content -Raw $counts | ConvertFrom-Json
            $ran.Failed | Should -Be 0 -Because $result.Output
            $ran.Passed | Should -BeGreaterThan 0 -Because $result.Output
        } else {
            # Pester is at hand for a block that runs Invoke-Pester, as it is for a user who installed it.
            $result = Invoke-InFreshPwsh $work @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$PesterPath'
$Code
"@
            $result.ExitCode | Should -Be 0 -Because $result.Output
            $result.Output | Should -Not -Match '(?m)^(Write-Error|.*Exception:|.*\b\w+-OneStore\w*: )' -Because $result.Output
        }
    }
}
